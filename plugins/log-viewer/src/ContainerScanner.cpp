#include "ContainerScanner.h"

#include <Poco/JSON/Parser.h>
#include <algorithm>
#include <dirent.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

namespace Monlight
{
namespace LogViewer
{

std::optional<std::string> ContainerScanner::readName(const std::string& dir)
{
    struct stat st;
    std::string why;
    int fd = openRegular(dir, "config.v2.json", st, why);
    if (fd < 0)
        return std::nullopt;
    constexpr std::size_t maxBytes = 4 * 1024 * 1024;
    std::string text(std::min<std::size_t>(static_cast<std::size_t>(st.st_size), maxBytes) + 1, '\0');
    std::size_t got = 0;
    while (got < text.size())
    {
        ssize_t n = ::read(fd, &text[got], text.size() - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    text.resize(got);
    if (text.size() > maxBytes)
        return std::nullopt;
    try
    {
        Poco::JSON::Parser parser;
        Poco::Dynamic::Var v = parser.parse(text);
        if (v.type() != typeid(Poco::JSON::Object::Ptr))
            return std::nullopt;
        auto obj = v.extract<Poco::JSON::Object::Ptr>();
        Poco::Dynamic::Var name = obj->get("Name");
        if (name.isEmpty() || !name.isString())
            return std::nullopt;
        std::string n = name.extract<std::string>();
        if (!n.empty() && n[0] == '/')
            n.erase(0, 1);
        if (n.empty())
            return std::nullopt;
        return n;
    }
    catch (...)
    {
        return std::nullopt; // unparsable: skipped until the next scan
    }
}

int ContainerScanner::openRegular(const std::string& dir, const std::string& name, struct stat& st,
                                  std::string& why)
{
    why.clear();
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
    {
        if (errno == ELOOP || errno == ENOTDIR)
            why = "a symbolic link or not a directory";
        else if (errno != ENOENT)
            why = std::strerror(errno);
        return -1;
    }
    int fd = ::openat(dfd, name.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    int err = errno;
    ::close(dfd);
    if (fd < 0)
    {
        if (err == ELOOP)
            why = "a symbolic link (not followed)";
        else if (err != ENOENT)
            why = std::strerror(err);
        return -1;
    }
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    {
        ::close(fd);
        why = "not a regular file";
        return -1;
    }
    return fd;
}

std::vector<ContainerInfo> ContainerScanner::scan(const std::string& sources, std::vector<std::string>* skipped)
{
    std::vector<ContainerInfo> out;
    DIR* d = ::opendir(sources.c_str());
    if (!d)
        return out;
    while (dirent* ent = ::readdir(d))
    {
        std::string id = ent->d_name;
        if (id == "." || id == "..")
            continue;
        ContainerInfo c;
        c.id = id;
        c.dir = sources + "/" + id;
        struct stat st;
        if (::lstat(c.dir.c_str(), &st) != 0)
            continue;
        if (S_ISLNK(st.st_mode))
        {
            if (skipped)
                skipped->push_back(c.dir + ": a symbolic link (not followed)");
            continue;
        }
        if (!S_ISDIR(st.st_mode))
            continue;
        c.logPath = c.dir + "/" + id + "-json.log";
        if (::lstat(c.logPath.c_str(), &st) != 0)
            continue;
        if (!S_ISREG(st.st_mode))
        {
            if (skipped)
                skipped->push_back(c.logPath + (S_ISLNK(st.st_mode) ? ": a symbolic link (not followed)"
                                                                     : ": not a regular file"));
            continue;
        }
        auto name = readName(c.dir);
        if (!name)
            continue;
        c.name = *name;
        out.push_back(std::move(c));
    }
    ::closedir(d);
    return out;
}

} // namespace LogViewer
} // namespace Monlight
