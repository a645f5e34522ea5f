#include "Monlight/Metrics.h"

#include "Monlight/Json.h"
#include <Poco/Exception.h>

namespace Monlight
{

Histogram::Histogram(std::vector<double> bounds)
    : _bounds(std::move(bounds)), _counts(new std::atomic<std::uint64_t>[_bounds.size() + 1])
{
    for (std::size_t i = 0; i <= _bounds.size(); ++i)
        _counts[i] = 0;
}

void Histogram::observe(double v)
{
    std::size_t i = 0;
    while (i < _bounds.size() && v > _bounds[i])
        ++i;
    _counts[i].fetch_add(1, std::memory_order_relaxed);
    _count.fetch_add(1, std::memory_order_relaxed);
    double cur = _sum.load(std::memory_order_relaxed);
    while (!_sum.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed))
    {
    }
}

void Histogram::snapshot(std::vector<std::uint64_t>& cumulative, double& sum, std::uint64_t& count) const
{
    cumulative.assign(_bounds.size() + 1, 0);
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i <= _bounds.size(); ++i)
    {
        acc += _counts[i].load(std::memory_order_relaxed);
        cumulative[i] = acc;
    }
    count = acc;
    sum = _sum.load(std::memory_order_relaxed);
}

struct MetricsRegistry::Series
{
    std::string owner;
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> fn;
};

struct MetricsRegistry::Family
{
    std::string name, help, type;
    std::vector<std::unique_ptr<Series>> series;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Series& MetricsRegistry::series(const std::string& owner, const std::string& family,
                                                 const std::string& help, const std::string& type,
                                                 const Labels& labels)
{
    Family* fam = nullptr;
    for (auto& f : _families)
        if (f->name == family)
            fam = f.get();
    if (!fam)
    {
        _families.push_back(std::make_unique<Family>());
        fam = _families.back().get();
        fam->name = family;
        fam->help = help;
        fam->type = type;
    }
    else if (fam->type != type)
        throw Poco::InvalidArgumentException("metric family " + family + " registered with another type");
    for (auto& s : fam->series)
        if (s->owner == owner && s->labels == labels)
            return *s;
    fam->series.push_back(std::make_unique<Series>());
    Series& s = *fam->series.back();
    s.owner = owner;
    s.labels = labels;
    return s;
}

Counter& MetricsRegistry::counter(const std::string& owner, const std::string& family, const std::string& help,
                                  const Labels& labels)
{
    std::lock_guard<std::mutex> lock(_mutex);
    Series& s = series(owner, family, help, "counter", labels);
    if (!s.counter)
        s.counter = std::make_unique<Counter>();
    return *s.counter;
}

Gauge& MetricsRegistry::gauge(const std::string& owner, const std::string& family, const std::string& help,
                              const Labels& labels)
{
    std::lock_guard<std::mutex> lock(_mutex);
    Series& s = series(owner, family, help, "gauge", labels);
    if (!s.gauge)
        s.gauge = std::make_unique<Gauge>();
    return *s.gauge;
}

void MetricsRegistry::gaugeFn(const std::string& owner, const std::string& family, const std::string& help,
                              const Labels& labels, std::function<double()> fn)
{
    std::lock_guard<std::mutex> lock(_mutex);
    Series& s = series(owner, family, help, "gauge", labels);
    s.fn = std::move(fn);
}

void MetricsRegistry::counterFn(const std::string& owner, const std::string& family, const std::string& help,
                                const Labels& labels, std::function<double()> fn)
{
    std::lock_guard<std::mutex> lock(_mutex);
    Series& s = series(owner, family, help, "counter", labels);
    s.fn = std::move(fn);
}

Histogram& MetricsRegistry::histogram(const std::string& owner, const std::string& family, const std::string& help,
                                      const Labels& labels, const std::vector<double>& bounds)
{
    std::lock_guard<std::mutex> lock(_mutex);
    Series& s = series(owner, family, help, "histogram", labels);
    if (!s.histogram)
        s.histogram = std::make_unique<Histogram>(bounds);
    return *s.histogram;
}

namespace
{
std::string escapeLabel(const std::string& v)
{
    std::string out;
    for (char c : v)
    {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string labelText(const Labels& labels, const std::string& extraKey = "", const std::string& extraValue = "")
{
    if (labels.empty() && extraKey.empty())
        return "";
    std::string out = "{";
    bool first = true;
    for (const auto& kv : labels)
    {
        out += (first ? "" : ",") + kv.first + "=\"" + escapeLabel(kv.second) + "\"";
        first = false;
    }
    if (!extraKey.empty())
        out += (first ? "" : ",") + extraKey + "=\"" + extraValue + "\"";
    return out + "}";
}

std::string number(double v)
{
    std::string s;
    Json::appendDouble(s, v);
    if (s == "null")
        return v > 0 ? "+Inf" : (v < 0 ? "-Inf" : "NaN");
    return s;
}
} // namespace

std::string MetricsRegistry::render(const std::string& owner) const
{
    std::lock_guard<std::mutex> lock(_mutex);
    std::string out;
    for (const auto& fam : _families)
    {
        std::string lines;
        for (const auto& s : fam->series)
        {
            if (!owner.empty() && !s->owner.empty() && s->owner != owner)
                continue;
            if (s->counter)
                lines += fam->name + labelText(s->labels) + " " + std::to_string(s->counter->value()) + "\n";
            else if (s->gauge)
                lines += fam->name + labelText(s->labels) + " " + number(s->gauge->value()) + "\n";
            else if (s->fn)
            {
                double v = 0;
                try
                {
                    v = s->fn();
                }
                catch (...)
                {
                    continue; // the source is gone or failing (a closed database): no sample this time
                }
                lines += fam->name + labelText(s->labels) + " " + number(v) + "\n";
            }
            else if (s->histogram)
            {
                std::vector<std::uint64_t> cum;
                double sum;
                std::uint64_t count;
                s->histogram->snapshot(cum, sum, count);
                const auto& b = s->histogram->bounds();
                for (std::size_t i = 0; i < cum.size(); ++i)
                    lines += fam->name + "_bucket" +
                             labelText(s->labels, "le", i < b.size() ? number(b[i]) : "+Inf") + " " +
                             std::to_string(cum[i]) + "\n";
                lines += fam->name + "_sum" + labelText(s->labels) + " " + number(sum) + "\n";
                lines += fam->name + "_count" + labelText(s->labels) + " " + std::to_string(count) + "\n";
            }
        }
        if (lines.empty())
            continue;
        out += "# HELP " + fam->name + " " + fam->help + "\n# TYPE " + fam->name + " " + fam->type + "\n" + lines;
    }
    return out;
}

} // namespace Monlight
