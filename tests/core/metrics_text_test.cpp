// The Prometheus text exposition writer (metrics_text.hpp). `promtool check metrics` checks a
// running engine's whole /metrics in tests/integration/control_api.py.
#include "torghut/core/metrics_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace torghut {
namespace {

TEST(metrics_text, writes_help_type_and_samples_with_escaped_labels) {
  metrics_text m;
  m.family("torghut_orders_total", "Orders sent.\nTwo lines \\ one.", metric_type::counter);
  m.sample("torghut_orders_total", {}, uint64_t{18446744073709551615ULL});
  m.family("torghut_trading_state", "State.", metric_type::gauge);
  m.sample("torghut_trading_state", {{"state", "A\"B\\C\nD"}, {"x", "y"}}, 1.0);
  EXPECT_EQ(m.text(),
            "# HELP torghut_orders_total Orders sent.\\nTwo lines \\\\ one.\n"
            "# TYPE torghut_orders_total counter\n"
            "torghut_orders_total 18446744073709551615\n"
            "# HELP torghut_trading_state State.\n"
            "# TYPE torghut_trading_state gauge\n"
            "torghut_trading_state{state=\"A\\\"B\\\\C\\nD\",x=\"y\"} 1\n");
  m.reset();
  EXPECT_TRUE(m.text().empty());
}

TEST(metrics_text, histogram_buckets_are_cumulative_with_inf_sum_and_count) {
  metrics_text m;
  const double bounds[] = {0.001, 0.01};
  const uint64_t counts[] = {2, 3, 5};  // <= 1 ms, (1, 10] ms, above
  m.family("torghut_lag_seconds", "Lag.", metric_type::histogram);
  m.histogram("torghut_lag_seconds", {{"feed", "iex"}}, bounds, counts, 0.25);
  EXPECT_EQ(m.text(),
            "# HELP torghut_lag_seconds Lag.\n"
            "# TYPE torghut_lag_seconds histogram\n"
            "torghut_lag_seconds_bucket{feed=\"iex\",le=\"0.001\"} 2\n"
            "torghut_lag_seconds_bucket{feed=\"iex\",le=\"0.01\"} 5\n"
            "torghut_lag_seconds_bucket{feed=\"iex\",le=\"+Inf\"} 10\n"
            "torghut_lag_seconds_sum{feed=\"iex\"} 0.25\n"
            "torghut_lag_seconds_count{feed=\"iex\"} 10\n");
}

TEST(metrics_text, special_values_use_the_format_spelling) {
  metrics_text m;
  m.sample("g", {}, std::numeric_limits<double>::infinity());
  m.sample("g", {}, -std::numeric_limits<double>::infinity());
  m.sample("g", {}, std::nan(""));
  m.sample("g", {}, 0.1);
  EXPECT_EQ(m.text(), "g +Inf\ng -Inf\ng NaN\ng 0.10000000000000001\n");
}

}  // namespace
}  // namespace torghut
