#include "WebUi.h"

#include "EmbeddedFiles.h"
#include "Monlight/HttpError.h"
#include <Poco/MD5Engine.h>
#include <Poco/String.h>
#include <memory>
#include <sstream>

namespace Monlight
{
namespace Host
{

namespace
{
std::string hashOf(std::string_view data)
{
    Poco::MD5Engine md5;
    md5.update(data.data(), static_cast<unsigned>(data.size()));
    return Poco::DigestEngine::digestToHex(md5.digest()).substr(0, 16);
}

std::string render(std::string_view html, const std::string& version)
{
    std::string out(html);
    const std::string marker = "__ASSET_VERSION__";
    for (auto pos = out.find(marker); pos != std::string::npos; pos = out.find(marker, pos + version.size()))
        out.replace(pos, marker.size(), version);
    return out;
}
} // namespace

std::string WebUi::contentType(const std::string& name)
{
    static const std::map<std::string, std::string> types{
        {"html", "text/html; charset=utf-8"}, {"js", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},   {"json", "application/json"},
        {"svg", "image/svg+xml"},             {"txt", "text/plain; charset=utf-8"},
        {"map", "application/json"},          {"ico", "image/x-icon"}};
    auto dot = name.rfind('.');
    auto it = types.find(dot == std::string::npos ? "" : Poco::toLower(name.substr(dot + 1)));
    return it == types.end() ? "application/octet-stream" : it->second;
}

void WebUi::mount(PluginRuntime& plugin, const std::map<std::string, std::string_view>& pluginFiles)
{
    if (!pluginFiles.count("web/index.html"))
        return;
    std::map<std::string, std::string_view> files = pluginFiles;
    for (const auto& [name, data] : embeddedFiles())
        files.emplace(name, data); // the plugin's own file of the same name wins
    std::string all;
    for (const auto& [name, data] : files)
        if (name.compare(0, 4, "web/") == 0)
            all += name + hashOf(data);
    const std::string version = hashOf(all);

    auto page = [&plugin, version](const std::string& pattern, std::string_view html) {
        auto body = std::make_shared<std::string>(render(html, version));
        plugin.add(Route::get(pattern).auth(AuthPolicy::None).uiPage().handle([body](Request&, Response& resp) {
            resp.setHeader("Cache-Control", "no-cache");
            resp.send(200, "text/html; charset=utf-8", *body);
        }));
    };
    page("/", files.at("web/index.html"));
    auto routes = files.find("web/routes.txt");
    if (routes != files.end())
    {
        std::istringstream in{std::string(routes->second)};
        std::string pattern, file;
        while (in >> pattern >> file)
        {
            auto f = files.find("web/" + file);
            if (f != files.end())
                page(pattern, f->second);
            else
                plugin.logger().warning("web/routes.txt names a missing file: " + file);
        }
    }
    struct Asset
    {
        std::string_view data;
        std::string etag;
        std::string type;
    };
    auto assets = std::make_shared<std::map<std::string, Asset>>();
    for (const auto& [name, data] : files)
        if (name.compare(0, 11, "web/static/") == 0)
            (*assets)[name.substr(11)] = Asset{data, "\"" + hashOf(data) + "\"", contentType(name)};
    if (assets->empty())
        return;
    plugin.add(Route::get("/static/*").auth(AuthPolicy::None).handle([assets](Request& req, Response& resp) {
        auto it = assets->find(req.path().substr(8));
        if (it == assets->end())
            throw HttpError(404, "Not found");
        resp.setHeader("ETag", it->second.etag);
        resp.setHeader("Cache-Control", "public, max-age=86400");
        if (req.header("If-None-Match", "") == it->second.etag)
        {
            resp.send(304, "", "");
            return;
        }
        resp.send(200, it->second.type, std::string(it->second.data));
    }));
}

} // namespace Host
} // namespace Monlight
