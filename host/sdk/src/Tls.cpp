#include "Monlight/Tls.h"

#include "TlsModuleAbi.h"
#include <Poco/Environment.h>
#include <Poco/Exception.h>
#include <Poco/Path.h>
#include <dlfcn.h>
#include <mutex>

namespace Monlight
{
namespace Tls
{

namespace
{

std::mutex mutex;
AttachFn attachFn = nullptr;

std::string sdkDirectory()
{
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&modulePath), &info) == 0 || info.dli_fname == nullptr)
        return "./";
    return Poco::Path(info.dli_fname).parent().toString();
}

AttachFn resolve()
{
    std::lock_guard<std::mutex> lock(mutex);
    if (attachFn)
        return attachFn;
    std::string path = modulePath();
    // Never unloaded: sockets and OpenSSL state created by the module live as long as the process.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
    {
        const char* err = dlerror();
        throw Poco::LibraryLoadException("TLS support is not available: cannot load " + path,
                                         err ? err : "unknown error");
    }
    auto signature = reinterpret_cast<SignatureFn>(dlsym(handle, MONLIGHT_TLS_SIGNATURE_SYMBOL));
    auto attach = reinterpret_cast<AttachFn>(dlsym(handle, MONLIGHT_TLS_ATTACH_SYMBOL));
    if (!signature || !attach)
        throw Poco::LibraryLoadException("TLS support is not available: " + path + " is not a Monlight TLS module");
    if (std::string(signature()) != MONLIGHT_BUILD_SIGNATURE)
        throw Poco::LibraryLoadException("TLS support is not available: " + path +
                                         " was built for another SDK (" + signature() + ")");
    attachFn = attach;
    return attachFn;
}

} // namespace

std::string modulePath()
{
    std::string env = Poco::Environment::get("MONLIGHT_TLS_MODULE", "");
    if (!env.empty())
        return env;
    return sdkDirectory() + "monlight-tls.so";
}

Poco::Net::StreamSocket attachClient(const Poco::Net::StreamSocket& plain, const std::string& host, bool verify)
{
    AttachFn attach = resolve();
    Poco::Net::StreamSocket out;
    attach(plain, host, verify, out);
    return out;
}

} // namespace Tls
} // namespace Monlight
