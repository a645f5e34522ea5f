#pragma once

#include <map>
#include <string>
#include <vector>

namespace Monlight
{
namespace MetricsCollector
{

/// Canonical labels of a series (SPEC §4.3): text values, keys sorted by byte order, compact JSON form.
class LabelSet
{
public:
    LabelSet() = default;
    explicit LabelSet(std::map<std::string, std::string> labels) : _labels(std::move(labels)) {}

    /// Text form of a numeric label value: shortest round-trip decimal, integral values without fraction.
    static std::string numberText(double v);

    /// Parses a canonical JSON object of string values (as stored). Throws Poco::Exception when malformed.
    static LabelSet fromJson(const std::string& json);

    void set(const std::string& key, const std::string& value) { _labels[key] = value; }
    /// Value of `key`, or nullptr when the label is missing.
    const std::string* find(const std::string& key) const;
    std::size_t size() const { return _labels.size(); }
    const std::map<std::string, std::string>& values() const { return _labels; }

    /// Copy without the given keys (rollup series identity, `aggregation_drop_labels`).
    LabelSet without(const std::vector<std::string>& keys) const;
    /// True when every pair of `filter` is present here with exactly that value.
    bool contains(const std::vector<std::pair<std::string, std::string>>& filter) const;

    /// `{"a":"1","b":"x"}`; `{}` when empty. Byte-for-byte stable for equal sets.
    std::string toJson() const;

    bool operator==(const LabelSet& other) const { return _labels == other._labels; }

private:
    std::map<std::string, std::string> _labels; // std::string ordering is byte order (char_traits compare)
};

} // namespace MetricsCollector
} // namespace Monlight
