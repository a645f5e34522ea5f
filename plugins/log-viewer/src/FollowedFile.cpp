#include "FollowedFile.h"

#include "ContainerScanner.h"
#include <cerrno>
#include <unistd.h>

namespace Monlight
{
namespace LogViewer
{

FollowedFile& FollowedFile::operator=(FollowedFile&& o) noexcept
{
    if (this != &o)
    {
        close();
        _fd = o._fd;
        _inode = o._inode;
        o._fd = -1;
    }
    return *this;
}

FollowedFile FollowedFile::open(const std::string& dir, const std::string& name, std::int64_t& size,
                                std::string& why)
{
    FollowedFile f;
    struct stat st;
    int fd = ContainerScanner::openRegular(dir, name, st, why);
    if (fd < 0)
        return f;
    f._fd = fd;
    f._inode = static_cast<std::int64_t>(st.st_ino);
    size = static_cast<std::int64_t>(st.st_size);
    return f;
}

void FollowedFile::close()
{
    if (_fd >= 0)
        ::close(_fd);
    _fd = -1;
}

ssize_t FollowedFile::readAt(char* buf, std::size_t n, std::int64_t pos) const
{
    for (;;)
    {
        ssize_t got = ::pread(_fd, buf, n, pos);
        if (got < 0 && errno == EINTR)
            continue;
        return got;
    }
}

char FollowedFile::byteBefore(std::int64_t pos) const
{
    char b = '\n';
    if (pos > 0 && ::pread(_fd, &b, 1, pos - 1) != 1)
        b = '\n';
    return b;
}

bool FollowedFile::replacedAt(const std::string& path) const
{
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 && static_cast<std::int64_t>(st.st_ino) != _inode;
}

bool FollowedFile::shrunkBelow(std::int64_t readUpTo) const
{
    struct stat st;
    return ::fstat(_fd, &st) == 0 && st.st_size < readUpTo;
}

bool FollowedFile::modifiedBefore(const FollowedFile& other) const
{
    struct stat mine, theirs;
    if (::fstat(_fd, &mine) != 0 || ::fstat(other._fd, &theirs) != 0)
        return false;
    return mine.st_mtim.tv_sec < theirs.st_mtim.tv_sec ||
           (mine.st_mtim.tv_sec == theirs.st_mtim.tv_sec && mine.st_mtim.tv_nsec < theirs.st_mtim.tv_nsec);
}

} // namespace LogViewer
} // namespace Monlight
