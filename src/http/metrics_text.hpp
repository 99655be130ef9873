#pragma once
// The Prometheus text exposition format, version 0.0.4: families of samples
// with their # HELP and # TYPE lines. Only formatting: what is measured is
// metrics.cpp's business. A family's samples must be written together, one
// family after another (promtool refuses a family that comes back later).

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace courtcast::http {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

struct MetricLabel {
  std::string_view name;
  std::string_view value;
};

// A label value as the format quotes it: backslash, double quote and line
// feed escaped; any other byte (UTF-8 included) as it is.
std::string escape_label_value(std::string_view value);
// HELP text: backslash and line feed escaped.
std::string escape_help(std::string_view text);
// A sample value: integers exactly, others in the shortest form that reads
// back the same, and +Inf, -Inf, NaN spelled as Prometheus does.
std::string format_metric_value(double value);

class MetricsText {
 public:
  // `type`: counter, gauge, histogram (or untyped). In 0.0.4 a counter's
  // family is named with its _total, as its samples are.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample line: NAME{labels} VALUE.
  void sample(std::string_view name, std::initializer_list<MetricLabel> labels, double value);
  void sample(std::string_view name, std::initializer_list<MetricLabel> labels,
              std::uint64_t value);
  void sample(std::string_view name, std::initializer_list<MetricLabel> labels,
              std::int64_t value) {
    sample(name, labels, static_cast<double>(value));
  }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void begin(std::string_view name, std::initializer_list<MetricLabel> labels);
  std::string out_;
};

}  // namespace courtcast::http
