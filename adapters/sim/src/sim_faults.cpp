// Fault switches of the simulator over HTTP: POST /_sim/faults sets the same switches as
// trading_sim's methods (latency, dropped responses, injected 5xx, forced 429, rejections) and
// can kill the streams or expire the open day orders.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "sim_core.hpp"

namespace torghut::adapters::sim {

void sim_core::apply_faults(const json_object& body, int64_t now, http_out& out, std::vector<outgoing_event>& events) {
  auto num = [&body](std::string_view name) -> std::optional<double> {
    const json_field* f = body.find(name);
    if (f == nullptr || (f->k != json_field::kind::number && f->k != json_field::kind::string)) return std::nullopt;
    char* end = nullptr;
    const std::string t = f->text;
    const double v = std::strtod(t.c_str(), &end);
    if (end == t.c_str() || !std::isfinite(v)) return std::nullopt;
    return v;
  };
  auto flag = [&body](std::string_view name) {
    const json_field* f = body.find(name);
    return f != nullptr && ((f->k == json_field::kind::boolean && f->text == "true") ||
                            (f->k == json_field::kind::number && f->text != "0"));
  };
  auto count = [](double v) { return static_cast<uint32_t>(std::clamp(v, 0.0, 4.0e9)); };
  if (const auto v = num("latency_us")) latency_us.store(static_cast<int64_t>(std::clamp(*v, 0.0, 6.0e7)));
  if (const auto v = num("drop_responses")) drop_next.store(count(*v));
  if (const auto v = num("error_status")) error_status.store(static_cast<unsigned>(std::clamp(*v, 500.0, 599.0)));
  if (const auto v = num("error_rate")) error_rate.store(std::clamp(*v, 0.0, 1.0));
  if (const auto v = num("rate_limit")) force_429.store(count(*v));
  if (const auto v = num("reject_next")) reject_next.store(count(*v));
  if (flag("kill_streams")) out.kill_streams = true;
  if (flag("expire")) expire_open(now, events);
  out.body = R"({"ok":true})";
}

}  // namespace torghut::adapters::sim
