#pragma once
/// TLS client connections for plugins, loaded on demand.
///
/// OpenSSL (through Poco::NetSSL) costs about 4 MiB of resident memory in every process that maps it, even one
/// that never opens a TLS connection. The TLS code therefore lives in its own module, `monlight-tls.so`, installed
/// beside libmonlight-sdk.so, and is loaded the first time a plugin asks for a TLS connection (an alert over SMTPS
/// or HTTPS, for example). A host that never speaks TLS never maps OpenSSL.

#include "Monlight/Version.h"
#include <Poco/Net/StreamSocket.h>
#include <string>

namespace Monlight
{
namespace Tls
{

/// Wraps the connected socket `plain` in a TLS client connection to `host` (sent as SNI) and completes the
/// handshake. With `verify`, the server's certificate must chain to the system's CA store and name `host`.
/// The returned socket reads and writes through TLS; give it to Poco::Net::HTTPClientSession, DialogSocket, ...
/// Throws Poco::Exception when the module cannot be loaded (the message names its path) or the handshake fails.
MONLIGHT_API Poco::Net::StreamSocket attachClient(const Poco::Net::StreamSocket& plain, const std::string& host,
                                                  bool verify);

/// Where the module is looked for: `MONLIGHT_TLS_MODULE` from the environment when set, otherwise
/// `monlight-tls.so` in the directory of libmonlight-sdk.so.
MONLIGHT_API std::string modulePath();

} // namespace Tls
} // namespace Monlight
