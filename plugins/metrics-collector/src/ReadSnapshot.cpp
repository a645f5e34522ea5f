#include "ReadSnapshot.h"

namespace Monlight
{
namespace MetricsCollector
{

ReadSnapshot::ReadSnapshot(Sql::Connection& c) : _c(c)
{
    _c.exec("BEGIN");
}

ReadSnapshot::~ReadSnapshot()
{
    try
    {
        _c.exec("ROLLBACK");
    }
    catch (...)
    {
        // A failed rollback of a read transaction leaves nothing to undo.
    }
}

} // namespace MetricsCollector
} // namespace Monlight
