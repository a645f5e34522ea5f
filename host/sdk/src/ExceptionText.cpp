#include "Monlight/ExceptionText.h"

#include <Poco/Exception.h>
#include <exception>

namespace Monlight
{

std::string currentExceptionText()
{
    try
    {
        throw;
    }
    catch (const Poco::Exception& e)
    {
        return e.displayText();
    }
    catch (const std::exception& e)
    {
        return e.what();
    }
    catch (...)
    {
        return "unknown exception";
    }
}

} // namespace Monlight
