#pragma once
// Shared helpers of the libFuzzer harnesses (see fuzz/CMakeLists.txt and scripts/fuzz.sh).

#include <cstdio>
#include <cstdlib>
#include <string_view>

/// A violated invariant: print where and abort, which libFuzzer reports as a crash and saves the input.
#define FUZZ_CHECK(cond)                                                                                       \
    do                                                                                                         \
    {                                                                                                          \
        if (!(cond))                                                                                           \
        {                                                                                                      \
            std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond);              \
            std::abort();                                                                                      \
        }                                                                                                      \
    } while (0)

namespace MonlightFuzz
{

/// Reads the input front to back: small integers for options, then the rest as text.
class Input
{
public:
    Input(const unsigned char* data, std::size_t size) : _p(reinterpret_cast<const char*>(data)), _n(size) {}

    /// One byte (0 when the input is exhausted).
    unsigned byte()
    {
        if (_n == 0)
            return 0;
        --_n;
        return static_cast<unsigned char>(*_p++);
    }
    /// Everything not consumed yet.
    std::string_view rest() const { return std::string_view(_p, _n); }

private:
    const char* _p;
    std::size_t _n;
};

} // namespace MonlightFuzz
