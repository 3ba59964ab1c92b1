// Order validation of the simulator: the checks of POST /v2/orders, field by field in Alpaca's
// order, each failure a 422 with its message. Pure: reads the body, fills in the order.
#include <algorithm>
#include <iterator>
#include <utility>

#include "sim_core.hpp"
#include "sim_http.hpp"

namespace torghut::adapters::sim {

namespace {

constexpr std::pair<std::string_view, time_in_force> tif_names[] = {
    {"day", time_in_force::day}, {"gtc", time_in_force::gtc}, {"opg", time_in_force::opg},
    {"cls", time_in_force::cls}, {"ioc", time_in_force::ioc}, {"fok", time_in_force::fok}};

}  // namespace

std::optional<std::string> sim_core::read_order(const json_object& body, order& o) {
  auto invalid = [](std::string_view msg) { return std::optional<std::string>(std::in_place, msg); };
  // Text of a string field ("" when absent or null); false on a wrong type.
  auto text = [&body](std::string_view name, std::string& v, bool& present) {
    present = false;
    v.clear();
    const json_field* f = body.find(name);
    if (f == nullptr || f->k == json_field::kind::null) return true;
    if (f->k != json_field::kind::string) return false;
    present = true;
    v = f->text;
    return true;
  };
  // Decimal fields: strings or numbers (read from their text, never through a double).
  auto decimal_text = [&body](std::string_view name, std::string& v, bool& present) {
    present = false;
    const json_field* f = body.find(name);
    if (f == nullptr || f->k == json_field::kind::null) return true;
    if (f->k != json_field::kind::string && f->k != json_field::kind::number) return false;
    present = true;
    v = f->text;
    return true;
  };

  bool present = false;
  std::string v;
  if (!text("symbol", v, present)) return invalid("symbol must be a string");
  if (!present || v.empty()) return invalid("symbol is required");
  if (!valid_symbol(v)) return invalid("symbol is invalid");
  o.symbol = v;

  if (!text("side", v, present)) return invalid("side must be a string");
  if (!present) return invalid("side is required");
  if (v == "buy") {
    o.terms.order_side = side::buy;
  } else if (v == "sell") {
    o.terms.order_side = side::sell;
  } else {
    return invalid("side must be buy or sell");
  }

  if (!text("type", v, present)) return invalid("type must be a string");
  if (!present) return invalid("type is required");
  if (v == "market") {
    o.terms.type = order_type::market;
  } else if (v == "limit") {
    o.terms.type = order_type::limit;
  } else if (v == "stop") {
    o.terms.type = order_type::stop;
  } else if (v == "stop_limit") {
    o.terms.type = order_type::stop_limit;
  } else if (v == "trailing_stop") {
    return invalid("type trailing_stop is not supported by the simulator");
  } else {
    return invalid("type must be market, limit, stop or stop_limit");
  }
  const order_type type = o.terms.type;

  if (!text("time_in_force", v, present)) return invalid("time_in_force must be a string");
  if (!present) return invalid("time_in_force is required");
  const auto* tif_it = std::find_if(std::begin(tif_names), std::end(tif_names),
                                    [&v](const auto& t) { return t.first == v; });
  if (tif_it == std::end(tif_names)) return invalid("time_in_force must be day, gtc, opg, cls, ioc or fok");
  o.terms.tif = tif_it->second;
  const bool day = o.terms.tif == time_in_force::day;

  bool have_qty = false, have_notional = false;
  std::string qtext, ntext;
  if (!decimal_text("qty", qtext, have_qty)) return invalid("qty must be a decimal string");
  if (!decimal_text("notional", ntext, have_notional)) return invalid("notional must be a decimal string");
  if (have_qty && have_notional) return invalid("qty and notional cannot both be given");
  if (!have_qty && !have_notional) return invalid("qty or notional is required");
  if (have_qty) {
    const auto q = parse_decimal<quantity>(qtext);
    if (!q) return invalid("qty is not a valid decimal");
    if (!q->is_positive()) return invalid("qty must be > 0");
    if (q->raw % quantity::scale != 0 && !day) return invalid("qty: fractional orders must be day orders");
    o.qty = *q;
    o.target = *q;
  } else {
    const auto n = parse_decimal<money>(ntext);
    if (!n) return invalid("notional is not a valid decimal");
    if (!n->is_positive()) return invalid("notional must be > 0");
    if (type != order_type::market) return invalid("notional is only supported for market orders");
    if (!day) return invalid("notional: fractional orders must be day orders");
    o.notional = *n;
  }

  bool have_limit = false, have_stop = false;
  std::string ltext, stext;
  if (!decimal_text("limit_price", ltext, have_limit)) return invalid("limit_price must be a decimal string");
  if (!decimal_text("stop_price", stext, have_stop)) return invalid("stop_price must be a decimal string");
  if (actors::fill_model::has_limit_price(type)) {
    if (!have_limit) return invalid("limit_price is required for limit and stop_limit orders");
    const auto p = parse_decimal<price>(ltext);
    if (!p || !p->is_positive()) return invalid("limit_price must be a positive decimal");
    o.terms.limit_px = *p;
  }
  if (actors::fill_model::has_stop_price(type)) {
    if (!have_stop) return invalid("stop_price is required for stop and stop_limit orders");
    const auto p = parse_decimal<price>(stext);
    if (!p || !p->is_positive()) return invalid("stop_price must be a positive decimal");
    o.terms.stop_px = *p;
  }

  if (const json_field* f = body.find("extended_hours"); f != nullptr && f->k != json_field::kind::null) {
    if (f->k != json_field::kind::boolean) return invalid("extended_hours must be a boolean");
    o.extended_hours = f->text == "true";
    if (o.extended_hours && !(type == order_type::limit && day))
      return invalid("extended_hours orders must be limit orders with time_in_force day");
  }

  if (!text("order_class", v, present)) return invalid("order_class must be a string");
  if (present && !v.empty() && v != "simple")
    return invalid("order_class " + v + " is not supported by the simulator");
  o.order_class = present ? v : std::string();

  if (!text("client_order_id", v, present)) return invalid("client_order_id must be a string");
  if (present && v.size() > 48) return invalid("client_order_id must be no more than 48 characters");
  if (present && !v.empty()) o.coid = v;  // its uniqueness is the account's (post_order)
  return std::nullopt;
}

}  // namespace torghut::adapters::sim
