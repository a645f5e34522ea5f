#pragma once

#include "Monlight/Sql.h"

namespace Monlight
{
namespace MetricsCollector
{

/// A read transaction (BEGIN DEFERRED … ROLLBACK) on a read connection, so several reads see one snapshot.
class ReadSnapshot
{
public:
    explicit ReadSnapshot(Sql::Connection& c);
    ~ReadSnapshot();
    ReadSnapshot(const ReadSnapshot&) = delete;
    ReadSnapshot& operator=(const ReadSnapshot&) = delete;

private:
    Sql::Connection& _c;
};

} // namespace MetricsCollector
} // namespace Monlight
