#include "Monlight/Config.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;

class ConfigValueTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ConfigValueTest);
    CPPUNIT_TEST(testListenSyntax);
    CPPUNIT_TEST_SUITE_END();

public:
    void testListenSyntax()
    {
        std::string h;
        int p = 0;
        CPPUNIT_ASSERT(ConfigValue::parseListen("127.0.0.1:5010", h, p) && h == "127.0.0.1" && p == 5010);
        CPPUNIT_ASSERT(ConfigValue::parseListen(":5011", h, p) && h == "0.0.0.0" && p == 5011);
        CPPUNIT_ASSERT(ConfigValue::parseListen("5012", h, p) && h == "0.0.0.0" && p == 5012);
        CPPUNIT_ASSERT(ConfigValue::parseListen("[::1]:5013", h, p) && h == "::1" && p == 5013);
        CPPUNIT_ASSERT(!ConfigValue::parseListen("host:99999", h, p));
        CPPUNIT_ASSERT(!ConfigValue::parseListen("a:b:c", h, p));
        CPPUNIT_ASSERT(!ConfigValue::parseListen("[::1]5013", h, p));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConfigValueTest);
