#pragma once
/// Prometheus text exposition (format 0.0.4) written into one reused buffer: what `GET /metrics`
/// serves. The scrape thread builds it from values the engine's threads publish (relaxed atomics:
/// no lock is shared with the hot thread, which only ever stores plain counters it owns).
///
///   metrics_text m;                    // keep it: the buffer's capacity is reused per scrape
///   m.reset();
///   m.family("torghut_orders_total", "Orders sent to the broker.", metric_type::counter);
///   m.sample("torghut_orders_total", {}, 42);
///   m.family("torghut_verdicts_total", "Risk verdicts by reason.", metric_type::counter);
///   m.sample("torghut_verdicts_total", {{"reason", "approved"}}, 40);
///   serve(m.text());
///
/// Names and label names are the caller's constants (checked by `promtool check metrics` in the
/// tests); label values are escaped here (backslash, double quote, newline).

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace torghut {

enum class metric_type : uint8_t { counter, gauge, histogram };

struct metric_label {
  std::string_view name;
  std::string_view value;
};

class metrics_text {
 public:
  void reset() noexcept { out_.clear(); }
  [[nodiscard]] const std::string& text() const noexcept { return out_; }

  /// `# HELP` and `# TYPE` of one family; its samples follow.
  void family(std::string_view name, std::string_view help, metric_type t) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    for (char c : help) {
      if (c == '\\') out_ += "\\\\";
      else if (c == '\n') out_ += "\\n";
      else out_ += c;
    }
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += t == metric_type::counter ? " counter\n" : t == metric_type::gauge ? " gauge\n" : " histogram\n";
  }

  void sample(std::string_view name, std::initializer_list<metric_label> labels, double v) {
    sample(name, std::span<const metric_label>(labels.begin(), labels.size()), v);
  }
  void sample(std::string_view name, std::span<const metric_label> labels, double v) {
    out_ += name;
    write_labels(labels, {});
    out_ += ' ';
    number(v);
    out_ += '\n';
  }
  void sample(std::string_view name, std::initializer_list<metric_label> labels, uint64_t v) {
    out_ += name;
    write_labels(std::span<const metric_label>(labels.begin(), labels.size()), {});
    out_ += ' ';
    out_ += std::to_string(v);
    out_ += '\n';
  }

  /// One family member of a histogram: `name_bucket{le=...}` for each upper bound (cumulative
  /// counts, `counts[i]` = observations <= `upper_bounds[i]`, non-cumulative input), then
  /// `+Inf`, `name_sum` and `name_count`. `counts` has one more entry than `upper_bounds`: the
  /// observations above the last bound.
  void histogram(std::string_view name, std::initializer_list<metric_label> labels,
                 std::span<const double> upper_bounds, std::span<const uint64_t> counts, double sum) {
    const std::span<const metric_label> ls(labels.begin(), labels.size());
    uint64_t cum = 0;
    char le[32];
    for (size_t i = 0; i < upper_bounds.size(); ++i) {
      cum += i < counts.size() ? counts[i] : 0;
      std::snprintf(le, sizeof le, "%.9g", upper_bounds[i]);
      bucket_line(name, ls, le, cum);
    }
    if (counts.size() > upper_bounds.size()) cum += counts[upper_bounds.size()];
    bucket_line(name, ls, "+Inf", cum);
    out_ += name;
    out_ += "_sum";
    write_labels(ls, {});
    out_ += ' ';
    number(sum);
    out_ += "\n";
    out_ += name;
    out_ += "_count";
    write_labels(ls, {});
    out_ += ' ';
    out_ += std::to_string(cum);
    out_ += '\n';
  }

 private:
  void bucket_line(std::string_view name, std::span<const metric_label> ls, std::string_view le, uint64_t cum) {
    out_ += name;
    out_ += "_bucket";
    write_labels(ls, le);
    out_ += ' ';
    out_ += std::to_string(cum);
    out_ += '\n';
  }
  void write_labels(std::span<const metric_label> ls, std::string_view le) {
    if (ls.empty() && le.empty()) return;
    out_ += '{';
    bool first = true;
    for (const auto& l : ls) {
      if (!first) out_ += ',';
      first = false;
      out_ += l.name;
      out_ += "=\"";
      escape_value(l.value);
      out_ += '"';
    }
    if (!le.empty()) {
      if (!first) out_ += ',';
      out_ += "le=\"";
      out_ += le;
      out_ += '"';
    }
    out_ += '}';
  }
  void escape_value(std::string_view v) {
    for (char c : v) {
      if (c == '\\') out_ += "\\\\";
      else if (c == '"') out_ += "\\\"";
      else if (c == '\n') out_ += "\\n";
      else out_ += c;
    }
  }
  void number(double v) {
    if (std::isnan(v)) {
      out_ += "NaN";
    } else if (std::isinf(v)) {
      out_ += v > 0 ? "+Inf" : "-Inf";
    } else {
      char b[40];
      std::snprintf(b, sizeof b, "%.17g", v);
      out_ += b;
    }
  }

  std::string out_;
};

}  // namespace torghut
