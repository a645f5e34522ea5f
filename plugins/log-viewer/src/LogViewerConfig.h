#pragma once

#include "LevelDetector.h"
#include "Monlight/Config.h"
#include <cstdint>
#include <string>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// The `log-viewer.*` settings of §1.7, parsed once at initialize().
struct LogViewerConfig
{
    std::vector<std::string> containers;
    std::string logSources = "/var/lib/docker/containers";
    std::int64_t maxEntries = 100000;
    std::int64_t pollIntervalSeconds = 2;
    std::int64_t tailBuffer = 65536;
    std::int64_t rescanIntervalSeconds = 30;
    std::int64_t retentionDays = 0;
    bool multiline = true;
    std::int64_t multilineFlushMs = 50;
    std::int64_t maxLineBytes = 262144;
    std::int64_t maxEntryBytes = 1048576;
    bool stripAnsi = true;
    Level stderrDefaultLevel = Level::Error;
    std::int64_t sseMaxConnections = 5;
    std::int64_t sseMaxDurationSeconds = 1800;
    std::int64_t sseHeartbeatSeconds = 15;
    std::int64_t sseQueueSize = 1000;
    std::int64_t stallSeconds = 60;
    std::int64_t maxIngestBodySize = 1048576;

    /// The declared keys (every §1.7 key except the §1.5 common ones, which the host adds).
    static std::vector<ConfigKey> schema();
    /// Reads validated values.
    static LogViewerConfig from(const PluginConfig& config);
};

} // namespace LogViewer
} // namespace Monlight
