#pragma once
/// The two symbols monlight-tls.so exports for the SDK's loader (Tls.cpp). Internal: not installed.

#include <Poco/Net/StreamSocket.h>
#include <string>

#define MONLIGHT_TLS_SIGNATURE_SYMBOL "monlightTlsSignature"
#define MONLIGHT_TLS_ATTACH_SYMBOL "monlightTlsAttachClient"

namespace Monlight
{
namespace Tls
{
/// Returns the build signature the module was compiled with (MONLIGHT_BUILD_SIGNATURE).
using SignatureFn = const char* (*)();
/// Stores the TLS socket in `out`; exceptions (Poco::Exception) propagate to the caller.
using AttachFn = void (*)(const Poco::Net::StreamSocket& plain, const std::string& host, bool verify,
                          Poco::Net::StreamSocket& out);
} // namespace Tls
} // namespace Monlight
