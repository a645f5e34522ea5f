// Entry point: everything lives in HostApplication.
#include "HostApplication.h"
#include <sqlite3.h>

int main(int argc, char** argv)
{
    // Before any connection exists (sqlite3_config refuses later calls): no up-front page-cache block per
    // connection (SQLite's default pre-allocates 20 pages, ~90 KiB, for each of the host's ~10 connections);
    // pages are allocated as they are used. Part of the idle-memory budget (PERFORMANCE.md P8).
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0);
    // No global memory statistics (nothing reads them): SQLite then takes no process-wide mutex on every
    // allocation, which every writer and reader thread otherwise contends on.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return Monlight::Host::HostApplication::run(argc, argv);
}
