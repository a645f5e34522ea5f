#include "PublishedBatch.h"

#include "EntryFormat.h"

namespace Monlight
{
namespace LogViewer
{

void PublishedBatch::format() const
{
    std::call_once(_formatted,
                   [this]
                   {
                       _offsets.reserve(_entries.size() + 1);
                       for (const auto& e : _entries)
                       {
                           _offsets.push_back(_frames.size());
                           _frames += EntryFormat::sseFrame(e);
                       }
                       _offsets.push_back(_frames.size());
                   });
}

} // namespace LogViewer
} // namespace Monlight
