#include "Monlight/Migrations.h"

#include <Poco/Exception.h>
#include <cctype>

namespace Monlight
{

std::vector<std::string> sqlMigrations(const EmbeddedFiles& files)
{
    return sqlMigrations(files, "sql/");
}

std::vector<std::string> sqlMigrations(const EmbeddedFiles& files, const std::string& dir)
{
    static const std::string backends = "postgresql/"; // sql/<backend>/: another store's migrations
    static const std::string ext = ".sql";
    std::map<unsigned long, std::string> byNumber; // number → file
    std::vector<std::string> out;
    for (auto it = files.lower_bound(dir); it != files.end() && it->first.compare(0, dir.size(), dir) == 0; ++it)
    {
        const std::string& path = it->first;
        std::string name = path.substr(dir.size());
        if (name.compare(0, backends.size(), backends) == 0)
            continue;
        std::size_t digits = 0;
        while (digits < name.size() && std::isdigit(static_cast<unsigned char>(name[digits])))
            ++digits;
        bool named = digits > 0 && digits <= 9 && digits < name.size() && name[digits] == '_' &&
                     name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0 &&
                     name.find('/') == std::string::npos;
        if (!named)
            throw Poco::DataFormatException(path + ": a migration must be named sql/<number>_<name>.sql");
        unsigned long n = std::stoul(name.substr(0, digits));
        auto [at, inserted] = byNumber.emplace(n, path);
        if (!inserted)
            throw Poco::DataFormatException(path + ": migration " + std::to_string(n) + " is also " + at->second);
    }
    unsigned long expected = 1;
    for (const auto& [n, path] : byNumber)
    {
        if (n != expected)
            throw Poco::DataFormatException(path + ": migration " + std::to_string(n) + " follows migration " +
                                            std::to_string(expected - 1) + " (numbers must have no gap, from 1)");
        out.emplace_back(files.at(path));
        ++expected;
    }
    return out;
}

} // namespace Monlight
