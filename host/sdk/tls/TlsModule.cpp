/// monlight-tls.so: the only Monlight binary that links OpenSSL (through Poco::NetSSL). Loaded by the SDK on the
/// first TLS connection a plugin asks for (see Monlight/Tls.h).

#include "../src/TlsModuleAbi.h"
#include "Monlight/Version.h"
#include <Poco/Net/Context.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>

namespace
{

/// OpenSSL is initialised when the module is loaded and released at process exit, before Poco::NetSSL's own
/// statics go (the module is loaded after, so destroyed before, the libraries it depends on).
struct SslLifetime
{
    SslLifetime() { Poco::Net::initializeSSL(); }
    ~SslLifetime() { Poco::Net::uninitializeSSL(); }
};
SslLifetime lifetime;

} // namespace

extern "C" MONLIGHT_API const char* monlightTlsSignature()
{
    return MONLIGHT_BUILD_SIGNATURE;
}

extern "C" MONLIGHT_API void monlightTlsAttachClient(const Poco::Net::StreamSocket& plain, const std::string& host,
                                                     bool verify, Poco::Net::StreamSocket& out)
{
    // One context per connection: these connections are rare (alerts) and a fresh context picks up CA changes.
    Poco::Net::Context::Ptr ctx =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                               verify ? Poco::Net::Context::VERIFY_RELAXED : Poco::Net::Context::VERIFY_NONE, 9,
                               true);
    out = Poco::Net::SecureStreamSocket::attach(plain, host, ctx);
}
