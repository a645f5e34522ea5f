#include "Monlight/Database.h"

#include "Monlight/ExceptionText.h"
#include "Monlight/HttpError.h"
#include <sqlite3.h>
#include <Poco/Logger.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <cerrno>
#include <cstring>
#include <future>
#include <sys/stat.h>
#include <unordered_map>

namespace Monlight
{

namespace
{
const char* reasonText(StorageError::Reason reason)
{
    switch (reason)
    {
    case StorageError::Reason::Busy:
        return "write queue full";
    case StorageError::Reason::Stopping:
        return "database closing";
    case StorageError::Reason::Unavailable:
        break;
    }
    return "database writer not running";
}
} // namespace

StorageError::StorageError(Reason reason) : Poco::Exception(reasonText(reason)), _reason(reason) {}
StorageError::~StorageError() noexcept = default;
const char* StorageError::name() const noexcept
{
    return "storage error";
}
Poco::Exception* StorageError::clone() const
{
    return new StorageError(*this);
}
void StorageError::rethrow() const
{
    throw *this;
}

struct Database::Item
{
    std::function<void(WriteTx&)> work;
    std::promise<void> done;
    std::exception_ptr error;
    std::vector<std::function<void()>> after;
    std::shared_ptr<WriteSequence> sequence;

    /// Runs the work, unless an earlier write of its sequence failed; a failure breaks the sequence.
    void run(WriteTx& tx)
    {
        if (sequence && sequence->_broken.load())
            throw Poco::IllegalStateException("an earlier write of the same sequence failed");
        try
        {
            work(tx);
        }
        catch (...)
        {
            if (sequence)
                sequence->_broken = true;
            throw;
        }
    }
};

namespace
{
std::atomic<std::uint64_t> nextDatabaseId{1};

// Creates `dir` and its missing parents with mode 0750.
void makeDirs(const std::string& dir)
{
    Poco::Path p(dir);
    p.makeDirectory();
    std::string cur;
    if (p.isAbsolute())
        cur = "/";
    for (int i = 0; i < p.depth(); ++i)
    {
        cur += p[i] + "/";
        struct stat st;
        if (::stat(cur.c_str(), &st) == 0)
        {
            if (!S_ISDIR(st.st_mode))
                throw std::runtime_error(cur.substr(0, cur.size() - 1) + " is not a directory");
            continue;
        }
        if (::mkdir(cur.c_str(), 0750) != 0 && errno != EEXIST)
            throw std::runtime_error(std::strerror(errno));
    }
}
} // namespace

std::shared_ptr<Database> Database::open(const Options& options)
{
    std::shared_ptr<Database> db(new Database(options));
    Poco::Path file(options.path);
    std::string parent = file.parent().toString();
    try
    {
        if (!parent.empty())
            makeDirs(parent);
    }
    catch (const std::exception& e)
    {
        throw StartupError(73, "database error", options.path, std::string("cannot create directory: ") + e.what());
    }
    try
    {
        db->_writer = std::make_unique<Sql::Connection>(options.path, false, true);
        db->applyPragmas(*db->_writer, false);
    }
    catch (const Poco::Exception& e)
    {
        throw StartupError(73, "database error", options.path, "cannot open database: " + e.message());
    }
    db->migrate(*db->_writer);
    // The pages the migrations read and wrote stay in the writer's page cache otherwise (up to a few hundred KiB
    // per database on a fresh data directory); the writer reads back what it needs. Part of P8's idle budget.
    sqlite3_db_release_memory(db->_writer->handle());
    // Replaces SQLite's automatic checkpoint on the writer (see the class comment).
    sqlite3_wal_hook(db->_writer->handle(), &Database::walHook, db.get());
    db->_writerAlive = true;
    db->_thread = std::thread([raw = db.get()] { raw->writerLoop(); });
    return db;
}

Database::Database(const Options& options)
    : _opt(options), _readerPool(std::make_shared<detail::ReaderPool>()), _id(nextDatabaseId++)
{
}

Database::~Database()
{
    close();
}

void Database::applyPragmas(Sql::Connection& c, bool reader)
{
    c.exec("PRAGMA busy_timeout=5000");
    if (!reader)
        c.exec("PRAGMA journal_mode=WAL");
    c.exec(std::string("PRAGMA synchronous=") + (_opt.fullSync ? "FULL" : "NORMAL"));
    c.exec("PRAGMA foreign_keys=ON");
    c.exec("PRAGMA secure_delete=OFF");
    c.exec("PRAGMA temp_store=MEMORY");
    c.exec("PRAGMA cache_size=-" + std::to_string(_opt.cacheMb * 1024));
    c.exec("PRAGMA journal_size_limit=67108864");
    if (reader)
        c.exec("PRAGMA query_only=ON");
}

void Database::migrate(Sql::Connection& c)
{
    const int known = static_cast<int>(_opt.migrations.size());
    int version = 0;
    try
    {
        bool hasMeta = c.queryInt("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='_meta'") > 0;
        if (hasMeta)
        {
            auto st = c.prepare("SELECT value FROM _meta WHERE key='format'");
            if (!st.step() || st.getText(0) != "monlight-cpp")
                throw StartupError(65, "database error", _opt.path,
                                   "was not created by this implementation (format key missing)");
            auto sv = c.prepare("SELECT value FROM _meta WHERE key='schema_version'");
            version = sv.step() ? std::stoi(sv.getText(0)) : 0;
            if (version > known)
                throw StartupError(65, "database error", _opt.path,
                                   "schema version " + std::to_string(version) +
                                       " is newer than this build supports (" + std::to_string(known) +
                                       "); refusing to start");
        }
        for (int v = version + 1; v <= known; ++v)
        {
            Sql::Transaction tx(c);
            c.exec("CREATE TABLE IF NOT EXISTS _meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            c.exec(_opt.migrations[static_cast<std::size_t>(v - 1)]);
            c.prepare("INSERT OR REPLACE INTO _meta(key, value) VALUES('format', 'monlight-cpp')").run();
            auto up = c.prepare("INSERT OR REPLACE INTO _meta(key, value) VALUES('schema_version', ?)");
            up.bind(1, std::to_string(v)).run();
            tx.commit();
        }
    }
    catch (const StartupError&)
    {
        throw;
    }
    catch (const Poco::Exception& e)
    {
        throw StartupError(65, "database error", _opt.path, "migration failed: " + e.message());
    }
    catch (const std::exception& e)
    {
        throw StartupError(65, "database error", _opt.path, std::string("migration failed: ") + e.what());
    }
    _schemaVersion = known > version ? known : version;
}

std::future<void> Database::submit(std::function<void(WriteTx&)> work, std::shared_ptr<WriteSequence> sequence)
{
    auto item = std::make_shared<Item>();
    item->work = std::move(work);
    item->sequence = std::move(sequence);
    auto fut = item->done.get_future();
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (_stopping)
            throw StorageError(StorageError::Reason::Stopping);
        if (_queue.size() >= _opt.writeQueueSize)
            throw StorageError(StorageError::Reason::Busy);
        _queue.push_back(item);
    }
    _cv.notify_one();
    return fut;
}

void Database::write(std::function<void(WriteTx&)> work)
{
    submit(std::move(work)).get();
}

void Database::writerLoop()
{
    std::vector<std::shared_ptr<Item>> batch;
    for (;;)
    {
        {
            std::unique_lock<std::mutex> lock(_mutex);
            _cv.wait(lock, [this] { return _stopping || !_queue.empty(); });
            if (_queue.empty() && _stopping)
                break;
            while (!_queue.empty() && batch.size() < _opt.maxBatch)
            {
                batch.push_back(std::move(_queue.front()));
                _queue.pop_front();
            }
        }
        runBatch(batch);
        batch.clear();
    }
    _writerAlive = false;
}

void Database::runBatch(std::vector<std::shared_ptr<Item>>& batch)
{
    Sql::Connection& c = *_writer;
    bool committed = false;
    try
    {
        Sql::Transaction tx(c);
        const std::uint64_t transaction = ++_transactions;
        for (auto& item : batch)
        {
            // Prepared once: these run for every item of every batch.
            c.cached("SAVEPOINT item").run();
            WriteTx wtx(c, transaction);
            try
            {
                item->run(wtx);
                c.cached("RELEASE item").run();
                item->after = std::move(wtx._after);
            }
            catch (...)
            {
                item->error = std::current_exception();
                if (item->sequence)
                    item->sequence->_broken = true;
                c.cached("ROLLBACK TO item").run();
                c.cached("RELEASE item").run();
            }
        }
        tx.commit();
        committed = true;
    }
    catch (...)
    {
        committed = false;
    }
    if (!committed)
    {
        // The batch transaction failed as a whole: give every item its own transaction so one bad item
        // cannot fail the others.
        for (auto& item : batch)
        {
            item->error = nullptr;
            item->after.clear();
            try
            {
                Sql::Transaction tx(c);
                WriteTx wtx(c, ++_transactions);
                item->run(wtx);
                tx.commit();
                item->after = std::move(wtx._after);
            }
            catch (...)
            {
                item->error = std::current_exception();
                if (item->sequence)
                    item->sequence->_broken = true;
            }
        }
    }
    _batches++;
    _items += batch.size();
    _lastBatch = batch.size();
    for (auto& item : batch)
    {
        for (auto& fn : item->after)
        {
            try
            {
                fn();
            }
            catch (...)
            {
                // The batch is committed: the callback's failure must not fail the writes it follows.
                Poco::Logger::get(_opt.plugin.empty() ? "database" : _opt.plugin)
                    .error("after-commit callback failed: " + currentExceptionText());
            }
        }
        if (item->error)
            item->done.set_exception(item->error);
        else
            item->done.set_value();
    }
}

namespace detail
{
/// Every read connection of one database. Owned by the Database and by nothing else; threads hold raw pointers
/// and a weak reference to the pool, so a thread that outlives the database never touches a closed connection.
struct ReaderPool
{
    std::mutex mutex;
    bool closed = false;
    std::vector<std::unique_ptr<Sql::Connection>> all;
    std::vector<Sql::Connection*> idle; ///< given back by threads that ended
};
} // namespace detail

namespace
{
/// The calling thread's read connections, one per database; given back to their pools when the thread ends.
struct ThreadReaders
{
    struct Slot
    {
        std::weak_ptr<detail::ReaderPool> pool;
        Sql::Connection* conn;
    };
    std::unordered_map<std::uint64_t, Slot> slots;

    ~ThreadReaders() { release(false); }

    void release(bool emptyCaches)
    {
        for (auto& [id, slot] : slots)
        {
            if (auto pool = slot.pool.lock())
            {
                std::lock_guard<std::mutex> lock(pool->mutex);
                if (!pool->closed)
                {
                    if (emptyCaches)
                        sqlite3_db_release_memory(slot.conn->handle());
                    pool->idle.push_back(slot.conn);
                }
            }
        }
        slots.clear();
    }
};
thread_local ThreadReaders threadReaders;
} // namespace

void Database::releaseThreadReaders()
{
    threadReaders.release(true);
}

Sql::Connection& Database::reader()
{
    if (!_writerAlive)
        throw StorageError(StorageError::Reason::Unavailable);
    auto it = threadReaders.slots.find(_id);
    if (it != threadReaders.slots.end())
        return *it->second.conn;
    Sql::Connection* conn = nullptr;
    {
        std::lock_guard<std::mutex> lock(_readerPool->mutex);
        if (_readerPool->closed)
            throw StorageError(StorageError::Reason::Stopping);
        if (!_readerPool->idle.empty())
        {
            conn = _readerPool->idle.back();
            _readerPool->idle.pop_back();
        }
    }
    if (!conn)
    {
        auto fresh = std::make_unique<Sql::Connection>(_opt.path, false, false);
        applyPragmas(*fresh, true);
        std::lock_guard<std::mutex> lock(_readerPool->mutex);
        if (_readerPool->closed)
            throw StorageError(StorageError::Reason::Stopping);
        conn = fresh.get();
        _readerPool->all.push_back(std::move(fresh));
    }
    threadReaders.slots[_id] = ThreadReaders::Slot{_readerPool, conn};
    return *conn;
}

std::size_t Database::readerConnections() const
{
    std::lock_guard<std::mutex> lock(_readerPool->mutex);
    return _readerPool->all.size();
}

bool Database::healthy()
{
    if (!_writerAlive)
        return false;
    try
    {
        return reader().queryInt("SELECT 1") == 1;
    }
    catch (...)
    {
        return false;
    }
}

int Database::walHook(void* self, sqlite3* db, const char*, int pages)
{
    auto* d = static_cast<Database*>(self);
    if (pages >= WAL_RESTART_PAGES)
    {
        // On the writer thread, right after its commit: nothing else writes meanwhile, so this checkpoint copies
        // every remaining page back (unless a reader still needs an old one) and the next transaction starts the
        // WAL over. While the checkpoint thread runs one, this one would be refused (SQLITE_BUSY) and the WAL
        // would keep growing, so the writer waits for it first (one background checkpoint, rarely).
        {
            std::unique_lock<std::mutex> lock(d->_ckptMutex);
            d->_ckptCv.wait(lock, [d] { return !d->_ckptRunning; });
        }
        int log = 0, copied = 0;
        if (sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) == SQLITE_OK)
        {
            d->_writerCheckpoints++;
            d->_backfilled = copied;
        }
        return SQLITE_OK; // a failed one is retried after the next commit
    }
    int copied = d->_backfilled.load();
    if (pages < copied)
        copied = 0; // the WAL started over since
    if (pages - copied >= CHECKPOINT_PAGES)
        d->requestCheckpoint();
    return SQLITE_OK;
}

void Database::requestCheckpoint()
{
    {
        std::lock_guard<std::mutex> lock(_ckptMutex);
        if (_ckptStop || _ckptWanted)
            return;
        _ckptWanted = true;
        if (!_checkpointer.joinable())
        {
            try
            {
                _checkpointer = std::thread([this] { checkpointLoop(); });
            }
            catch (const std::system_error&)
            {
                _ckptWanted = false; // no thread: the writer's own checkpoint at WAL_RESTART_PAGES bounds the WAL
            }
            return;
        }
    }
    _ckptCv.notify_all();
}

void Database::checkpointLoop()
{
    std::unique_ptr<Sql::Connection> conn;
    try
    {
        conn = std::make_unique<Sql::Connection>(_opt.path, false, false);
        // A connection finds the database in WAL mode (and can checkpoint it) once it has read it.
        conn->queryInt("SELECT count(*) FROM sqlite_master");
    }
    catch (const std::exception& e)
    {
        Poco::Logger::get(_opt.plugin.empty() ? "database" : _opt.plugin)
            .warning("cannot open a checkpoint connection to " + _opt.path + ": " + e.what() +
                     " (the writer checkpoints itself every " + std::to_string(WAL_RESTART_PAGES) + " WAL pages)");
        return;
    }
    std::unique_lock<std::mutex> lock(_ckptMutex);
    for (;;)
    {
        _ckptCv.wait(lock, [this] { return _ckptWanted || _ckptStop; });
        if (_ckptStop)
            break;
        _ckptRunning = true;
        lock.unlock();
        int log = 0, copied = 0;
        const int rc = sqlite3_wal_checkpoint_v2(conn->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
        if (rc == SQLITE_OK)
        {
            _bgCheckpoints++;
            _backfilled = copied;
        }
        lock.lock();
        // Commits during the run did not ask again (one request at a time): the next commit that finds enough
        // new pages beyond `copied` does.
        _ckptWanted = false;
        _ckptRunning = false;
        _ckptCv.notify_all(); // a writer may wait for this run to end (walHook)
    }
}

void Database::stopCheckpointer()
{
    {
        std::lock_guard<std::mutex> lock(_ckptMutex);
        _ckptStop = true;
    }
    _ckptCv.notify_all();
    if (_checkpointer.joinable())
        _checkpointer.join();
}

void Database::close()
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (_stopping && !_thread.joinable())
            return;
        _stopping = true;
    }
    _cv.notify_all();
    if (_thread.joinable())
        _thread.join();
    stopCheckpointer();
    {
        std::lock_guard<std::mutex> lock(_readerPool->mutex);
        _readerPool->closed = true;
        _readerPool->idle.clear();
        _readerPool->all.clear();
    }
    if (_writer)
    {
        try
        {
            _writer->exec("PRAGMA optimize");
        }
        catch (...)
        {
            // Only a hint to SQLite's planner; closing goes on without it.
        }
        _writer.reset();
    }
}

std::size_t Database::queueDepth() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _queue.size();
}

} // namespace Monlight
