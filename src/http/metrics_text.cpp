#include "http/metrics_text.hpp"

#include <charconv>
#include <cmath>

namespace courtcast::http {

namespace {

// Prometheus' text format escapes backslashes and line feeds everywhere, and
// double quotes inside label values.
std::string escaped(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"' && quotes)
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  return escaped(value, true);
}

std::string escape_help(std::string_view text) {
  return escaped(text, false);
}

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Whole numbers up to 2^53 as integers: counters read back exactly.
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0)
    return std::to_string(static_cast<long long>(value));
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

void MetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += escape_help(help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void MetricsText::begin(std::string_view name, std::initializer_list<MetricLabel> labels) {
  out_ += name;
  if (labels.size() != 0) {
    out_ += '{';
    bool first = true;
    for (const auto& l : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += l.name;
      out_ += "=\"";
      out_ += escape_label_value(l.value);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
}

void MetricsText::sample(std::string_view name, std::initializer_list<MetricLabel> labels,
                         double value) {
  begin(name, labels);
  out_ += format_metric_value(value);
  out_ += '\n';
}

void MetricsText::sample(std::string_view name, std::initializer_list<MetricLabel> labels,
                         std::uint64_t value) {
  begin(name, labels);
  out_ += std::to_string(value);
  out_ += '\n';
}

}  // namespace courtcast::http
