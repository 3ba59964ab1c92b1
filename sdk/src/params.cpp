#include "torghut/sdk/params.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "torghut/core/decision_hash.hpp"

namespace torghut::sdk {
namespace {

std::string fmt(double v) {
  char b[32];
  const int n = std::snprintf(b, sizeof b, "%.10g", v);
  return std::string(b, static_cast<size_t>(n > 0 ? n : 0));
}

std::string bounds_text(const param_spec& s) {
  if (s.type == param_type::integer) return "[" + fmt(s.min) + ", " + fmt(s.max) + "]";
  return std::string(s.min_open ? "(" : "[") + fmt(s.min) + ", " + fmt(s.max) + (s.max_open ? ")" : "]");
}

bool in_bounds(const param_spec& s, double v) {
  const bool lo = s.min_open ? v > s.min : v >= s.min;
  const bool hi = s.max_open ? v < s.max : v <= s.max;
  return lo && hi;
}

std::string_view type_name(param_type t) {
  switch (t) {
    case param_type::number: return "a number";
    case param_type::integer: return "an integer";
    case param_type::boolean: return "true or false";
  }
  return "a value";
}

template <class T>
unsigned char* put(unsigned char* p, T v) noexcept {
  std::memcpy(p, &v, sizeof v);  // little-endian on every supported target: canonical
  return p + sizeof v;
}

unsigned char* put_double(unsigned char* p, double v) noexcept {
  if (v == 0.0) v = 0.0;  // -0.0 and 0.0 are the same parameter
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  return put(p, bits);
}

}  // namespace

size_t param_schema::index_of(std::string_view key) const noexcept {
  for (size_t i = 0; i < specs_.size(); ++i)
    if (specs_[i].key == key) return i;
  return specs_.size();
}

size_t params::find(std::string_view key, param_type t) const {
  for (size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key && specs_[i].type == t) return i;
  throw std::out_of_range("strategy parameter '" + std::string(key) + "' is not declared as " +
                          std::string(type_name(t)));
}

double params::number(std::string_view key) const { return values_[find(key, param_type::number)]; }
int64_t params::integer(std::string_view key) const {
  return static_cast<int64_t>(values_[find(key, param_type::integer)]);
}
bool params::boolean(std::string_view key) const { return values_[find(key, param_type::boolean)] != 0; }

std::vector<std::string> params::bind(const param_schema& schema, std::span<const strategy_param> given,
                                      std::string_view where, params& out) {
  std::vector<std::string> errs;
  const auto specs = schema.specs();
  out.specs_.assign(specs.begin(), specs.end());
  out.keys_.clear();
  out.values_.clear();
  for (const auto& s : specs) {
    out.keys_.emplace_back(s.key);
    out.values_.push_back(s.def);
  }
  // The declared key strings may live in a shared library: point the copies at owned storage.
  for (size_t i = 0; i < out.specs_.size(); ++i) {
    out.specs_[i].key = out.keys_[i];
    out.specs_[i].help = {};
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    for (size_t j = 0; j < i; ++j)
      if (specs[j].key == specs[i].key)
        errs.push_back(std::string(where) + std::string(specs[i].key) + ": declared twice by the strategy");
    if (specs[i].type != param_type::boolean && !in_bounds(specs[i], specs[i].def))
      errs.push_back(std::string(where) + std::string(specs[i].key) + ": the strategy's default " +
                     fmt(specs[i].def) + " is outside its own bounds " + bounds_text(specs[i]));
  }
  std::vector<bool> seen(specs.size(), false);
  for (const auto& g : given) {
    const std::string w = std::string(where) + g.key;
    const size_t i = schema.index_of(g.key);
    if (i == specs.size()) {
      std::string known;
      for (const auto& s : specs) known += (known.empty() ? "" : ", ") + std::string(s.key);
      errs.push_back(w + ": not a parameter of this strategy (its parameters: " +
                     (known.empty() ? std::string("none") : known) + ")");
      continue;
    }
    if (seen[i]) {
      errs.push_back(w + ": given twice");
      continue;
    }
    seen[i] = true;
    const param_spec& s = specs[i];
    double v = 0;
    switch (s.type) {
      case param_type::number:
        if (g.type == strategy_param::kind::number) v = g.number;
        else if (g.type == strategy_param::kind::integer) v = static_cast<double>(g.integer);
        else { errs.push_back(w + ": must be a number"); continue; }
        if (!std::isfinite(v)) { errs.push_back(w + ": must be a finite number"); continue; }
        break;
      case param_type::integer:
        if (g.type != strategy_param::kind::integer) { errs.push_back(w + ": must be an integer"); continue; }
        v = static_cast<double>(g.integer);
        break;
      case param_type::boolean:
        if (g.type != strategy_param::kind::boolean) { errs.push_back(w + ": must be true or false"); continue; }
        v = g.boolean ? 1.0 : 0.0;
        break;
    }
    if (s.type != param_type::boolean && !in_bounds(s, v)) {
      errs.push_back(w + ": must be in " + bounds_text(s) + " (got " + fmt(v) + ")");
      continue;
    }
    out.values_[i] = v;
  }
  return errs;
}

uint64_t params_fingerprint(const strategy_config& c, std::string_view kind, int legacy_code,
                            const params& p) noexcept {
  // Canonical encoding: layout version, kind, the common parameters, then the declared
  // parameters in declaration order. The name, the id, the universe and the enabled flag are
  // not parameters of the decision rule. Version 1 is the layout the built-ins had before the
  // SDK (a one-byte kind code), kept so their decision hashes do not change.
  unsigned char buf[1024];
  unsigned char* p_ = buf;
  unsigned char* const end = buf + sizeof buf;
  if (legacy_code >= 0) {
    p_ = put(p_, static_cast<uint16_t>(1));
    p_ = put(p_, static_cast<uint8_t>(legacy_code));
  } else {
    p_ = put(p_, static_cast<uint16_t>(2));
    const size_t k = std::min<size_t>(kind.size(), 64);
    p_ = put(p_, static_cast<uint8_t>(k));
    std::memcpy(p_, kind.data(), k);
    p_ += k;
  }
  p_ = put(p_, c.warmup_bars);
  p_ = put_double(p_, c.max_position_pct_equity);
  p_ = put(p_, c.max_notional_per_trade.raw);
  const size_t tf = std::min<size_t>(c.base_timeframe.size(), 15);
  p_ = put(p_, static_cast<uint8_t>(tf));
  std::memcpy(p_, c.base_timeframe.data(), tf);
  p_ += tf;
  const auto specs = p.specs();
  const auto values = p.values();
  for (size_t i = 0; i < specs.size() && end - p_ >= 9; ++i) {
    switch (specs[i].type) {
      case param_type::number: p_ = put_double(p_, values[i]); break;
      case param_type::integer: p_ = put(p_, static_cast<int64_t>(values[i])); break;
      case param_type::boolean: p_ = put(p_, static_cast<uint8_t>(values[i] != 0)); break;
    }
  }
  return hash_bytes64(buf, static_cast<size_t>(p_ - buf));
}

}  // namespace torghut::sdk
