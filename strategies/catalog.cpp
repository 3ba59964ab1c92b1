#include <stdexcept>
#include <string>

#include "torghut/strategies/builtin.hpp"

namespace torghut::strategies {

uint64_t builtin_fingerprint(const strategy_config& c) {
  for (const sdk::descriptor* d : builtin()) {
    if (d->kind != c.kind) continue;
    sdk::param_schema schema;
    d->declare(schema);
    sdk::params p;
    const auto errs = sdk::params::bind(schema, c.params, "", p);
    if (!errs.empty()) throw std::invalid_argument(errs.front());
    return sdk::params_fingerprint(c, d->kind, d->legacy_code, p);
  }
  throw std::invalid_argument("no built-in strategy '" + c.kind + "'");
}

}  // namespace torghut::strategies
