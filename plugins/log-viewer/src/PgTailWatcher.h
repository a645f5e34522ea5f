#pragma once

#include "PgLogStore.h"
#include "SseHub.h"
#include <Poco/Logger.h>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace Monlight
{
namespace LogViewer
{

/// The shared live tail's wake-up on PostgreSQL: LISTENs to the channel every commit notifies and pokes the open
/// streams when one arrives; as a fallback (a listener reconnecting, a lost notification) it also reads every
/// ingester's end (one small table) every `pollMs` while streams are open and pokes them when it moved. This
/// host's own commits poke them at once (committed()). The streams read the rows themselves (tailPage).
class PgTailWatcher
{
public:
    PgTailWatcher(std::shared_ptr<PgLogStore> store, SseHub& hub, std::int64_t pollMs);
    ~PgTailWatcher();
    PgTailWatcher(const PgTailWatcher&) = delete;
    PgTailWatcher& operator=(const PgTailWatcher&) = delete;

    /// This host committed rows.
    void committed() { _hub.pokeAll(); }
    void stop();

private:
    void run();

    std::shared_ptr<PgLogStore> _store;
    SseHub& _hub;
    std::int64_t _pollMs;
    std::atomic<bool> _stop{false};
    std::thread _thread;
};

} // namespace LogViewer
} // namespace Monlight
