#include "WebUi.h"

#include "EmbeddedFiles.h"
#include "Monlight/HttpError.h"
#include <Poco/MD5Engine.h>
#include <Poco/String.h>
#include <memory>
#include <mutex>
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

namespace
{
/// What the UI routes serve, computed on the first UI request rather than at startup: hashing every embedded
/// file at startup faulted all of them in (about 100-200 KiB per plugin of the idle host's RSS, PERFORMANCE.md P8).
struct UiFiles
{
    struct Asset
    {
        std::string_view data;
        std::string type;
        std::string etag; ///< set by prepare()
    };

    std::map<std::string, std::string_view> files; ///< the plugin's files over the host's
    std::map<std::string, Asset> assets;           ///< web/static/* by the name after /static/
    std::once_flag once;
    std::string version; ///< set by prepare()

    void prepare()
    {
        std::call_once(once, [this] {
            std::string all;
            for (const auto& [name, data] : files)
                if (name.compare(0, 4, "web/") == 0)
                    all += name + hashOf(data);
            version = hashOf(all);
            for (auto& [name, asset] : assets)
                asset.etag = "\"" + hashOf(asset.data) + "\"";
        });
    }
};

struct UiPage
{
    std::shared_ptr<UiFiles> ui;
    std::string_view html;
    std::once_flag once;
    std::string body;

    const std::string& rendered()
    {
        std::call_once(once, [this] {
            ui->prepare();
            body = render(html, ui->version);
        });
        return body;
    }
};
} // namespace

void WebUi::mount(PluginRuntime& plugin, const std::map<std::string, std::string_view>& pluginFiles)
{
    if (!pluginFiles.count("web/index.html"))
        return;
    auto ui = std::make_shared<UiFiles>();
    ui->files = pluginFiles;
    for (const auto& [name, data] : embeddedFiles())
        ui->files.emplace(name, data); // the plugin's own file of the same name wins
    const auto& files = ui->files;

    auto page = [&plugin, &ui](const std::string& pattern, std::string_view html) {
        auto p = std::make_shared<UiPage>();
        p->ui = ui;
        p->html = html;
        plugin.add(Route::get(pattern).auth(AuthPolicy::None).uiPage().handle([p](Request&, Response& resp) {
            resp.setHeader("Cache-Control", "no-cache");
            resp.send(200, "text/html; charset=utf-8", p->rendered());
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
    for (const auto& [name, data] : files)
        if (name.compare(0, 11, "web/static/") == 0)
            ui->assets[name.substr(11)] = UiFiles::Asset{data, contentType(name), ""};
    if (ui->assets.empty())
        return;
    plugin.add(Route::get("/static/*").auth(AuthPolicy::None).handle([ui](Request& req, Response& resp) {
        auto it = ui->assets.find(req.path().substr(8));
        if (it == ui->assets.end())
            throw HttpError(404, "Not found");
        ui->prepare();
        const auto& asset = it->second;
        resp.setHeader("ETag", asset.etag);
        resp.setHeader("Cache-Control", "public, max-age=86400");
        if (req.header("If-None-Match", "") == asset.etag)
        {
            resp.send(304, "", "");
            return;
        }
        resp.send(200, asset.type, std::string(asset.data));
    }));
}

} // namespace Host
} // namespace Monlight
