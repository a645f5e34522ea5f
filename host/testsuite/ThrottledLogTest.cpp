#include "ThrottledLog.h"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Message.h>
#include <cppunit/extensions/HelperMacros.h>
#include <thread>
#include <vector>

using namespace Monlight::Host;

namespace
{
class CaptureChannel : public Poco::Channel
{
public:
    void log(const Poco::Message& msg) override { lines.push_back(msg.getText()); }
    std::vector<std::string> lines;
};
} // namespace

class ThrottledLogTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ThrottledLogTest);
    CPPUNIT_TEST(testOneLinePerPeriodAndCauseWithSuppressedCount);
    CPPUNIT_TEST_SUITE_END();

public:
    void testOneLinePerPeriodAndCauseWithSuppressedCount()
    {
        Poco::AutoPtr<CaptureChannel> channel(new CaptureChannel);
        Poco::Logger& logger = Poco::Logger::get("ThrottledLogTest");
        logger.setChannel(channel);
        logger.setLevel(Poco::Message::PRIO_DEBUG);
        ThrottledLog log(logger, std::chrono::seconds(1));
        for (int i = 0; i < 5; ++i)
            log.warning("a", "first cause");
        log.warning("b", "second cause");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), channel->lines.size());
        CPPUNIT_ASSERT_EQUAL(std::string("first cause"), channel->lines[0]);
        CPPUNIT_ASSERT_EQUAL(std::string("second cause"), channel->lines[1]);
        std::this_thread::sleep_for(std::chrono::milliseconds(1100));
        log.warning("a", "first cause again");
        log.warning("a", "first cause again");
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), channel->lines.size());
        CPPUNIT_ASSERT_EQUAL(std::string("first cause again (4 similar lines suppressed)"), channel->lines[2]);
        logger.setChannel(nullptr);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ThrottledLogTest);
