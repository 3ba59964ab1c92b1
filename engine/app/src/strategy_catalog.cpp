#include "strategy_catalog.hpp"

#include "strategy_library.hpp"
#include "torghut/strategies/builtin.hpp"

namespace torghut::app {

strategy_catalog load_strategy_catalog(const engine_config& cfg, std::vector<std::string>& errs) {
  strategy_catalog cat;
  for (const sdk::descriptor* d : strategies::builtin()) cat.all.push_back(d);
  for (size_t i = 0; i < cfg.strategies.size(); ++i) {
    const strategy_config& s = cfg.strategies[i];
    const std::string w = "strategies[" + std::to_string(i) + "].";
    if (!s.library.empty()) {
      auto r = strategy_library::load(s.library);
      if (!r) {
        errs.push_back(w + "library: " + r.error());
        continue;
      }
      const sdk::descriptor* d = *r;
      if (d->kind != s.kind) {
        errs.push_back(w + "kind: '" + s.kind + "' but the library '" + s.library + "' holds '" +
                       std::string(d->kind) + "'");
        continue;
      }
      // A library's kind shadows a built-in of the same name for this config.
      cat.all.insert(cat.all.begin(), d);
    }
  }
  for (size_t i = 0; i < cfg.strategies.size(); ++i) {
    const strategy_config& s = cfg.strategies[i];
    const std::string w = "strategies[" + std::to_string(i) + "].";
    const sdk::descriptor* d = nullptr;
    for (const sdk::descriptor* e : cat.all) {  // the first match: libraries come first
      if (e->kind == s.kind) {
        d = e;
        break;
      }
    }
    if (d == nullptr) {
      if (!s.library.empty()) continue;  // already reported
      std::string known;
      for (const sdk::descriptor* e : cat.all) known += (known.empty() ? "" : ", ") + std::string(e->kind);
      errs.push_back(w + "kind: unknown strategy '" + s.kind + "' (built in: " + known +
                     "; or give `library` with a shared library built against the SDK)");
      continue;
    }
    sdk::param_schema schema;
    d->declare(schema);
    sdk::params p;
    for (auto& e : sdk::params::bind(schema, s.params, w, p)) errs.push_back(std::move(e));
  }
  return cat;
}

}  // namespace torghut::app
