#include "ReadSearchCapability.h"

#include <cerrno>
#include <dirent.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace Monlight
{
namespace LogViewer
{

ReadSearchCapability::State ReadSearchCapability::raise()
{
    // The raw capget/capset system calls: one bit of one thread, not worth a libcap dependency.
    __user_cap_header_struct header{};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    header.pid = 0;
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    if (syscall(SYS_capget, &header, data) != 0)
        return State::Missing;
    const unsigned word = CAP_DAC_READ_SEARCH / 32;
    const __u32 bit = 1u << (CAP_DAC_READ_SEARCH % 32);
    if (data[word].effective & bit)
        return State::Effective;
    if (!(data[word].permitted & bit))
        return State::Missing;
    data[word].effective |= bit;
    return syscall(SYS_capset, &header, data) == 0 ? State::Raised : State::Missing;
}

bool ReadSearchCapability::canRead(const std::string& directory)
{
    DIR* dir = ::opendir(directory.c_str());
    if (!dir)
        return errno == ENOENT;
    ::closedir(dir);
    return true;
}

} // namespace LogViewer
} // namespace Monlight
