#include "LogViewerConfig.h"

namespace Monlight
{
namespace LogViewer
{

std::vector<ConfigKey> LogViewerConfig::schema()
{
    return {
        ConfigKey::string("api_key", "", "API key(s) of the log viewer, comma-separated for rotation")
            .isRequired()
            .isSecret()
            .env("API_KEY"),
        ConfigKey::list("containers", "", "Container names or globs to tail; !pattern excludes; empty = all")
            .env("CONTAINERS"),
        ConfigKey::string("log_sources", "/var/lib/docker/containers",
                          "Docker containers directory (absolute)")
            .env("LOG_SOURCES"),
        ConfigKey::integer("max_entries", 100000, 0, std::numeric_limits<std::int64_t>::max(),
                           "Ring-buffer size; 0 = unlimited")
            .env("MAX_ENTRIES"),
        ConfigKey::integer("poll_interval", 2, 1, 3600, "Safety poll of every watched file (seconds)")
            .env("POLL_INTERVAL"),
        ConfigKey::bytes("tail_buffer", 65536, 0, 1073741824, "Bytes of an existing log read on first sight")
            .env("TAIL_BUFFER"),
        ConfigKey::integer("rescan_interval", 30, 1, 3600, "Container discovery rescan (seconds)"),
        ConfigKey::integer("retention_days", 0, 0, std::numeric_limits<std::int64_t>::max(),
                           "Delete entries older than this; 0 = off"),
        ConfigKey::boolean("multiline", true, "Multiline reassembly"),
        ConfigKey::integer("multiline_flush_ms", 50, 0, 10000,
                           "Idle time after which a pending entry is stored"),
        ConfigKey::bytes("max_line_bytes", 262144, 16384, 16777216, "Longest json-file line parsed as JSON"),
        ConfigKey::bytes("max_entry_bytes", 1048576, 16384, 16777216, "Largest assembled entry"),
        ConfigKey::boolean("strip_ansi", true, "Remove ANSI escape sequences from messages"),
        ConfigKey::choice("stderr_default_level", "ERROR", {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"},
                          "Level of stderr lines without a detectable level"),
        ConfigKey::integer("sse_max_connections", 5, 1, 1000, "Concurrent live-tail streams"),
        ConfigKey::integer("sse_max_duration_seconds", 1800, 60, 86400, "Live-tail stream lifetime"),
        ConfigKey::integer("sse_heartbeat_seconds", 15, 1, 300, "Live-tail heartbeat period"),
        ConfigKey::integer("sse_queue_size", 1000, 10, 100000, "Per-stream event queue"),
        ConfigKey::bytes("max_ingest_body_size", 1048576, 1024, 67108864,
                         "Body cap of POST /api/logs (the other routes use max_body_size)"),
        ConfigKey::integer("stall_seconds", 60, 1, 86400,
                           "A log tailer or batch commit making no progress this long fails /health"),
    };
}

LogViewerConfig LogViewerConfig::from(const PluginConfig& c)
{
    LogViewerConfig v;
    v.containers = c.getList("containers");
    v.logSources = c.getString("log_sources");
    while (v.logSources.size() > 1 && v.logSources.back() == '/')
        v.logSources.pop_back();
    v.maxEntries = c.getInt("max_entries");
    v.pollIntervalSeconds = c.getInt("poll_interval");
    v.tailBuffer = c.getInt("tail_buffer");
    v.rescanIntervalSeconds = c.getInt("rescan_interval");
    v.retentionDays = c.getInt("retention_days");
    v.multiline = c.getBool("multiline");
    v.multilineFlushMs = c.getInt("multiline_flush_ms");
    v.maxLineBytes = c.getInt("max_line_bytes");
    v.maxEntryBytes = c.getInt("max_entry_bytes");
    v.stripAnsi = c.getBool("strip_ansi");
    v.stderrDefaultLevel = LevelDetector::parse(c.getString("stderr_default_level")).value_or(Level::Error);
    v.sseMaxConnections = c.getInt("sse_max_connections");
    v.sseMaxDurationSeconds = c.getInt("sse_max_duration_seconds");
    v.sseHeartbeatSeconds = c.getInt("sse_heartbeat_seconds");
    v.sseQueueSize = c.getInt("sse_queue_size");
    v.stallSeconds = c.getInt("stall_seconds");
    v.maxIngestBodySize = c.getInt("max_ingest_body_size");
    return v;
}

} // namespace LogViewer
} // namespace Monlight
