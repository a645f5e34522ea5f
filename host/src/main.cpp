// Entry point: everything lives in HostApplication.
#include "HostApplication.h"

int main(int argc, char** argv)
{
    return Monlight::Host::HostApplication::run(argc, argv);
}
