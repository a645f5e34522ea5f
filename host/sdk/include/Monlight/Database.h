#pragma once

#include "Monlight/Sql.h"
#include "Monlight/Version.h"
#include <Poco/Exception.h>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace Monlight
{
namespace detail
{
struct ReaderPool;
}

/// The database cannot take the work now. It knows nothing of HTTP: the dispatcher and the in-process ingest
/// services answer it with toHttpError() (503 `Server busy` with Retry-After: 1, 503 `Shutting down`, 503
/// `Database unavailable`).
class MONLIGHT_API StorageError : public Poco::Exception
{
public:
    enum class Reason
    {
        Busy,       ///< the write queue is full; retrying in a second is reasonable
        Stopping,   ///< the database is closing (shutdown)
        Unavailable ///< the writer thread is not running
    };
    explicit StorageError(Reason reason);
    StorageError(const StorageError&) = default;
    ~StorageError() noexcept override;
    const char* name() const noexcept override;
    Poco::Exception* clone() const override;
    void rethrow() const override;
    Reason reason() const { return _reason; }

private:
    Reason _reason;
};

/// The write context handed to work running on the writer thread, inside the batch transaction.
class MONLIGHT_API WriteTx
{
public:
    explicit WriteTx(Sql::Connection& c, std::uint64_t transaction = 0) : _c(c), _transaction(transaction) {}
    Sql::Connection& db() { return _c; }
    /// Identifies the writer transaction the work runs in: equal for works committed together, increasing.
    std::uint64_t transaction() const { return _transaction; }
    /// Runs `fn` on the writer thread after the batch holding this work has committed (never if it rolled back).
    /// Used for notifications that must not precede durability (LV live tail).
    void afterCommit(std::function<void()> fn) { _after.push_back(std::move(fn)); }

private:
    friend class Database;
    Sql::Connection& _c;
    std::uint64_t _transaction;
    std::vector<std::function<void()>> _after;
};

/// Keeps one producer's pipelined writes in order across failures. Pass the same sequence to every submit() of
/// the producer: once one of its writes fails (its work threw, or its transaction could not commit), every later
/// write of the sequence still in the queue fails too, without running (Poco::IllegalStateException), so none of
/// them commits ahead of the failed one. The producer waits until all its futures are ready, calls reset() and
/// submits the failed write and the later ones again, in their order.
class MONLIGHT_API WriteSequence
{
public:
    /// A write of this sequence failed since the last reset().
    bool broken() const { return _broken.load(); }
    /// Only when no write of the sequence is pending (every future is ready).
    void reset() { _broken = false; }

private:
    friend class Database;
    std::atomic<bool> _broken{false};
};

/// A plugin's SQLite database (WAL, foreign keys on): pragmas, numbered forward-only migrations recorded in
/// `_meta`, one writer thread with group commit, and per-thread read connections.
///
/// WAL checkpoints run off the writer thread: SQLite's automatic checkpoint (every 1000 WAL pages, in the COMMIT
/// that crossed them) copies the pages back and waits for two fsyncs while every request queued behind that commit
/// waits too (about 10 ms here, several times a second at P2's rate: issue 17). Instead a commit that leaves the
/// WAL with CHECKPOINT_PAGES or more pages beyond the last checkpoint wakes a checkpoint thread (started on first need, own connection) that runs a
/// PASSIVE checkpoint, which neither blocks nor is blocked by the writer or the readers. Under sustained writes a
/// passive checkpoint never catches up with the end of the WAL, so the WAL cannot start over; when it reaches
/// WAL_RESTART_PAGES the writer checkpoints itself after that commit (only the few pages not yet copied back), and
/// the next transaction starts the WAL over. Durability is unchanged: commits are in the WAL exactly as before.
class MONLIGHT_API Database
{
public:
    struct Options
    {
        std::string path;                    ///< database file
        std::string plugin;                  ///< owner, for logs and metrics
        std::vector<std::string> migrations; ///< migration N is migrations[N-1]; forward-only
        bool fullSync = false;               ///< synchronous=FULL instead of NORMAL
        int cacheMb = 16;                    ///< cache_size per connection
        std::size_t writeQueueSize = 10000;  ///< bound of the write queue (items)
        std::size_t maxBatch = 1000;         ///< items per transaction
    };

    /// Creates missing parent directories (0750), opens the file, applies pragmas and migrations, starts the
    /// writer thread. Throws StartupError: 73 (cannot create/open), 65 (newer schema, foreign format, failed
    /// migration).
    static std::shared_ptr<Database> open(const Options& options);

    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Queues `work` for the writer and returns at once. The future becomes ready once the batch holding the work
    /// has committed (after its afterCommit() functions ran, on the writer thread), or holds the work's exception:
    /// work runs inside a savepoint, so when it throws only its own changes are rolled back. Nothing the work
    /// wrote is visible to readers before the future is ready. Works run, and their futures become ready, in the
    /// order of their submit() calls. Everything `work` uses must outlive the future (capture by value).
    /// `sequence` (optional): see WriteSequence. Throws StorageError Busy when the queue is full, Stopping after
    /// close(); the work is then not queued.
    std::future<void> submit(std::function<void(WriteTx&)> work, std::shared_ptr<WriteSequence> sequence = nullptr);

    /// submit() and wait: blocks until the batch holding `work` has committed; rethrows the work's exception.
    void write(std::function<void(WriteTx&)> work);

    /// Like write() but for many items that count as one queue entry each (ingest batches count once).
    /// Returns the value produced by `work`.
    template <typename R> R writeResult(std::function<R(WriteTx&)> work)
    {
        R result{};
        write([&](WriteTx& tx) { result = work(tx); });
        return result;
    }

    /// A read connection owned by the calling thread (created lazily, `query_only=ON`). Never waits for the writer.
    /// Throws StorageError Unavailable when the writer is not running, Stopping after close().
    /// When the thread ends (worker pools reap idle threads), its connection goes back to this database's pool
    /// and is handed to the next thread that reads, so connections never outnumber the threads reading at once.
    Sql::Connection& reader();

    /// Gives the calling thread's read connections (of every database) back to their pools now, as if the thread
    /// had ended, with their page caches emptied. A connection reference obtained from reader() on this thread
    /// must not be used afterwards. The host calls it on its main thread once the plugins have started, so the
    /// connections their startup read with serve the worker threads instead of staying idle.
    static void releaseThreadReaders();

    /// Read connections open (in use by a thread or idle in the pool).
    std::size_t readerConnections() const;

    /// `SELECT 1` on a read connection and the writer thread alive.
    bool healthy();

    /// Drains the queue, stops the writer, runs `PRAGMA optimize` and closes. Idempotent.
    void close();

    const std::string& path() const { return _opt.path; }
    std::size_t queueDepth() const;
    std::uint64_t batchesCommitted() const { return _batches.load(); }
    std::uint64_t itemsCommitted() const { return _items.load(); }
    std::uint64_t lastBatchSize() const { return _lastBatch.load(); }
    /// Schema version after migrations.
    int schemaVersion() const { return _schemaVersion; }
    /// Checkpoints run by the checkpoint thread / by the writer after a commit (the WAL reached WAL_RESTART_PAGES).
    std::uint64_t backgroundCheckpoints() const { return _bgCheckpoints.load(); }
    std::uint64_t writerCheckpoints() const { return _writerCheckpoints.load(); }

    /// WAL pages after a commit that wake the checkpoint thread (SQLite's own default for its automatic one).
    static constexpr int CHECKPOINT_PAGES = 1000;
    /// WAL pages after a commit at which the writer checkpoints itself (32 MiB of 4 KiB pages).
    static constexpr int WAL_RESTART_PAGES = 8192;

private:
    explicit Database(const Options& options);
    struct Item;
    void migrate(Sql::Connection& c);
    void applyPragmas(Sql::Connection& c, bool reader);
    void writerLoop();
    void runBatch(std::vector<std::shared_ptr<Item>>& batch);
    static int walHook(void* self, sqlite3* db, const char* name, int pages);
    void requestCheckpoint();
    void checkpointLoop();
    void stopCheckpointer();

    Options _opt;
    int _schemaVersion = 0;
    std::unique_ptr<Sql::Connection> _writer;
    mutable std::mutex _mutex;
    std::condition_variable _cv;
    std::deque<std::shared_ptr<Item>> _queue;
    bool _stopping = false;
    std::atomic<bool> _writerAlive{false};
    std::thread _thread;
    std::atomic<std::uint64_t> _batches{0}, _items{0}, _lastBatch{0};
    std::uint64_t _transactions = 0; // writer thread only
    std::mutex _ckptMutex;
    std::condition_variable _ckptCv;
    bool _ckptWanted = false;
    bool _ckptStop = false;
    bool _ckptRunning = false;
    std::thread _checkpointer; // started by the first requestCheckpoint()
    std::atomic<std::uint64_t> _bgCheckpoints{0}, _writerCheckpoints{0};
    std::atomic<int> _backfilled{0}; // WAL frames copied back by the last checkpoint
    std::shared_ptr<detail::ReaderPool> _readerPool; // shared with the threads holding its connections
    std::uint64_t _id;
};

} // namespace Monlight
