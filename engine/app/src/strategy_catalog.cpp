#include "strategy_catalog.hpp"

#include "torghut/strategies/builtin.hpp"

namespace torghut::app {

strategy_catalog load_strategy_catalog(const engine_config& cfg, std::vector<std::string>& errs) {
  strategy_catalog cat;
  for (const sdk::descriptor* d : strategies::builtin()) cat.all.push_back(d);
  for (size_t i = 0; i < cfg.strategies.size(); ++i) {
    const strategy_config& s = cfg.strategies[i];
    const std::string w = "strategies[" + std::to_string(i) + "].";
    if (!s.library.empty()) {
      errs.push_back(w + "library: loading strategies from shared libraries is not built into this engine yet");
      continue;
    }
  }
  for (size_t i = 0; i < cfg.strategies.size(); ++i) {
    const strategy_config& s = cfg.strategies[i];
    const std::string w = "strategies[" + std::to_string(i) + "].";
    const sdk::descriptor* d = nullptr;
    for (const sdk::descriptor* e : cat.all)
      if (e->kind == s.kind) d = e;
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
