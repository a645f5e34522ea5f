#pragma once

#include <cstdint>
#include <string>
#include <sys/stat.h>
#include <sys/types.h>

namespace Monlight
{
namespace LogViewer
{

/// A log file being followed: its descriptor (closed with the object) and the inode it was opened with, so a
/// rotation (the path now names another inode) and a truncation (the file is shorter than what was read) can be
/// told apart. Reads use pread at the caller's position; the position itself lives in the LineSplitter.
class FollowedFile
{
public:
    FollowedFile() = default;
    ~FollowedFile() { close(); }
    FollowedFile(FollowedFile&& o) noexcept : _fd(o._fd), _inode(o._inode) { o._fd = -1; }
    FollowedFile& operator=(FollowedFile&& o) noexcept;
    FollowedFile(const FollowedFile&) = delete;
    FollowedFile& operator=(const FollowedFile&) = delete;

    /// Opens `dir`/`name` as a regular file (ContainerScanner::openRegular's rules). Invalid on failure; `why`
    /// then says why, or is empty when the file does not exist. `size` receives its size.
    static FollowedFile open(const std::string& dir, const std::string& name, std::int64_t& size, std::string& why);

    bool valid() const { return _fd >= 0; }
    std::int64_t inode() const { return _inode; }
    void close();

    /// Reads up to `n` bytes at `pos` (retries EINTR). <= 0 at the end or on error.
    ssize_t readAt(char* buf, std::size_t n, std::int64_t pos) const;
    /// The byte before `pos`; '\n' at 0 or when it cannot be read.
    char byteBefore(std::int64_t pos) const;
    /// `path` now names another file than this one (rotation). False when `path` cannot be looked up.
    bool replacedAt(const std::string& path) const;
    /// The file is now shorter than `readUpTo` (truncation).
    bool shrunkBelow(std::int64_t readUpTo) const;
    /// This file was last modified before `other` was (by the current fstat of both).
    bool modifiedBefore(const FollowedFile& other) const;

private:
    int _fd = -1;
    std::int64_t _inode = 0;
};

} // namespace LogViewer
} // namespace Monlight
