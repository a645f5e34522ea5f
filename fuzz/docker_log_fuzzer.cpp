// The log-viewer's ingest of Docker json-file bytes as LogTailer drives it: LineSplitter (with a small
// over-long-line cut), LineDecoder::decode/cleanText, and the partial-record and multiline EntryAssembler.
// The first bytes choose the options and how the file arrives in reads; the rest is the file.
//   Invariants: every stored message is valid UTF-8; the position the tailer would persist never moves back,
//   never passes what was read, and reaches the end of the file once everything is flushed and released (so a
//   restart neither skips nor repeats a line); nothing stays pending after flushAll.
#include "EntryAssembler.h"
#include "FuzzCheck.h"
#include "LineDecoder.h"
#include "LineSplitter.h"
#include "Monlight/Json.h"
#include "Monlight/Time.h"
#include <vector>

using namespace Monlight;
using namespace Monlight::LogViewer;

namespace
{

struct Run
{
    LineSplitter splitter;
    EntryAssembler assembler;
    std::vector<LogEntry> out;
    std::int64_t lastSafe = 0;
    std::size_t maxMessage;

    Run(std::size_t maxLine, EntryAssembler::Options opt)
        : splitter(0, maxLine), assembler("app", "0123456789ab", opt),
          maxMessage(3 * std::max(std::max<std::size_t>(maxLine, 4), opt.maxEntryBytes))
    {
    }

    void release(std::size_t max)
    {
        std::size_t before = out.size();
        while (assembler.takeReady(out, max) > 0)
        {
        }
        for (std::size_t i = before; i < out.size(); ++i)
        {
            FUZZ_CHECK(Json::isValidUtf8(out[i].message));
            FUZZ_CHECK(out[i].message.size() <= maxMessage);
        }
        std::int64_t safe = assembler.safePosition();
        FUZZ_CHECK(safe >= lastSafe);
        FUZZ_CHECK(safe <= splitter.appended());
        lastSafe = safe;
    }

    void feed(const PhysicalLine& line, std::int64_t now)
    {
        if (line.raw)
            assembler.addRaw(line.text, line.start, line.end, now);
        else if (auto rec = LineDecoder::decode(line.text, now))
            assembler.addRecord(std::move(*rec), line.start, line.end, now);
        else
            assembler.skip(line.start, line.end);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size)
{
    MonlightFuzz::Input in(data, size);
    EntryAssembler::Options opt;
    unsigned flags = in.byte();
    opt.multiline = (flags & 1) == 0;
    opt.stripAnsi = (flags & 2) == 0;
    opt.flushMs = (flags & 4) ? 0 : 50;
    opt.maxEntryBytes = 16 + in.byte() * 4;
    opt.maxEntryLines = 1 + in.byte() % 16;
    std::size_t maxLine = 32 + in.byte() * 4;
    std::size_t readSize = 1 + in.byte() * 8;
    std::string_view file = in.rest();

    Run run(maxLine, opt);
    std::int64_t now = 1700000000000;
    std::size_t off = 0;
    PhysicalLine line;
    while (off < file.size())
    {
        std::size_t n = std::min(readSize, file.size() - off);
        run.splitter.append(file.data() + off, n);
        off += n;
        while (run.splitter.next(line))
            run.feed(line, now);
        run.assembler.skip(run.splitter.consumed(), run.splitter.consumed());
        run.release(3);
        now += 20;
        run.assembler.flushIdle(now);
        run.release(static_cast<std::size_t>(-1));
    }
    if (run.splitter.finish(line))
        run.feed(line, now);
    run.assembler.flushAll(now);
    run.release(static_cast<std::size_t>(-1));
    FUZZ_CHECK(!run.assembler.hasPending());
    FUZZ_CHECK(run.assembler.safePosition() == static_cast<std::int64_t>(file.size()));

    // The pure helpers on the whole input.
    std::string clean = LineDecoder::cleanText(file, true);
    FUZZ_CHECK(Json::isValidUtf8(clean));
    FUZZ_CHECK(Json::isValidUtf8(LineDecoder::stripAnsi(Json::sanitizeUtf8(file))));
    // On valid text a cut at ≥ 4 bytes never splits a sequence (below that it may, to make progress).
    std::size_t max = std::max<std::size_t>(4, clean.size() / 2);
    std::size_t cut = LineDecoder::utf8Cut(clean, max);
    FUZZ_CHECK(cut <= max || cut == clean.size());
    FUZZ_CHECK(cut >= 1 || clean.empty());
    FUZZ_CHECK(Json::isValidUtf8(std::string_view(clean).substr(0, cut)));
    Time::parseRfc3339(std::string_view(file).substr(0, 64));
    return 0;
}
