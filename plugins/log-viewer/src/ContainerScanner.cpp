#include "ContainerScanner.h"

#include <Poco/JSON/Parser.h>
#include <algorithm>
#include <dirent.h>
#include <fstream>
#include <sys/stat.h>

namespace Monlight
{
namespace LogViewer
{

std::optional<std::string> ContainerScanner::readName(const std::string& dir)
{
    std::string path = dir + "/config.v2.json";
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    constexpr std::size_t maxBytes = 4 * 1024 * 1024;
    std::string text(std::min<std::size_t>(static_cast<std::size_t>(st.st_size), maxBytes) + 1, '\0');
    in.read(&text[0], static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
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

std::vector<ContainerInfo> ContainerScanner::scan(const std::string& sources)
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
        if (::stat(c.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        c.logPath = c.dir + "/" + id + "-json.log";
        if (::stat(c.logPath.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
            continue;
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
