#include "torghut/persistence/decision_log.hpp"

#include <cstdio>
#include <stdexcept>

#include "torghut/core/decision_hash.hpp"
#include "torghut/persistence/audit_json.hpp"

namespace torghut::persistence {

decision_log_writer::decision_log_writer(const std::string& path, audit_sink& sink,
                                         const symbol_table& syms)
    : sink_(sink), syms_(syms) {
  if (!path.empty()) {
    out_.open(path, std::ios::binary | std::ios::trunc);
    if (!out_) throw std::runtime_error("cannot open decision log '" + path + "' for writing");
  }
  line_.reserve(1024);
  buf_.reserve(1 << 20);
}

void decision_log_writer::drain() {
  audit_row r;
  while (sink_.pop(r)) consume(r);
  flush();
}

void decision_log_writer::consume(const audit_row& r) {
  ++rows_;
  keep_first(r);
  if (book_) book_->add(r);
  if (!out_.is_open()) return;
  line_.clear();
  persistence::append_audit_json(line_, r, syms_);
  buf_ += line_;
  buf_ += '\n';
  if (buf_.size() > (1 << 20) - 4096) flush();
}

std::vector<std::string> decision_log_writer::first_activity() const {
  std::vector<std::string> out;
  for (const auto& r : kept_) out.push_back(describe(r));
  return out;
}

void decision_log_writer::keep_first(const audit_row& r) {
  int slot = -1;
  if (r.kind == audit_kind::decision) slot = 0;
  else if (r.kind == audit_kind::verdict && !r.body.verdict.approved()) slot = 1;
  else if (r.kind == audit_kind::order) slot = 2;
  else if (r.kind == audit_kind::execution && r.body.execution.last_qty.is_positive()) slot = 3;
  if (slot < 0 || kept_count_[static_cast<size_t>(slot)] >= keep_per_kind) return;
  ++kept_count_[static_cast<size_t>(slot)];
  kept_.push_back(r);
}

std::string decision_log_writer::describe(const audit_row& r) const {
  char b[256];
  std::string t;
  persistence::append_rfc3339(t, r.time);
  t = t.substr(11, 12);  // HH:MM:SS.mmm
  switch (r.kind) {
    case audit_kind::decision: {
      const auto& d = r.body.decision;
      char h[32];
      to_hex(d.hash, h);
      std::snprintf(b, sizeof b, "%s decision  strategy %u  %-4s %s %s @ ref %s  hash %.12s..",
                    t.c_str(), static_cast<unsigned>(d.strategy.value),
                    std::string(to_string(d.order_side)).c_str(), decimal_string(d.qty).c_str(),
                    std::string(syms_.name(d.symbol)).c_str(), decimal_string(d.reference_px).c_str(), h);
      break;
    }
    case audit_kind::verdict: {
      const auto& v = r.body.verdict;
      std::snprintf(b, sizeof b, "%s rejected  strategy %u  %-4s %s %s: %s", t.c_str(),
                    static_cast<unsigned>(v.intent.strategy.value),
                    std::string(to_string(v.intent.order_side)).c_str(), decimal_string(v.intent.qty).c_str(),
                    std::string(syms_.name(v.intent.symbol)).c_str(),
                    std::string(to_string(v.reason)).c_str());
      break;
    }
    case audit_kind::order: {
      const auto& c = r.body.order;
      std::snprintf(b, sizeof b, "%s order #%llu %s  %-4s %s %s %s %s", t.c_str(),
                    static_cast<unsigned long long>(c.id.value), std::string(c.coid.view()).c_str(),
                    std::string(to_string(c.order_side)).c_str(), decimal_string(c.qty).c_str(),
                    std::string(syms_.name(c.symbol)).c_str(), std::string(to_string(c.type)).c_str(),
                    std::string(to_string(c.tif)).c_str());
      break;
    }
    case audit_kind::execution: {
      const auto& e = r.body.execution;
      std::snprintf(b, sizeof b, "%s fill  order #%llu  %-4s %s %s @ %s  (%s, filled %s of %s)",
                    t.c_str(), static_cast<unsigned long long>(e.id.value),
                    std::string(to_string(e.order_side)).c_str(), decimal_string(e.last_qty).c_str(),
                    std::string(syms_.name(e.symbol)).c_str(), decimal_string(e.last_px).c_str(),
                    std::string(to_string(e.status)).c_str(), decimal_string(e.cum_qty).c_str(),
                    decimal_string(e.order_qty).c_str());
      break;
    }
    default:
      b[0] = '\0';
  }
  return b;
}

void decision_log_writer::flush() {
  if (!buf_.empty() && out_.is_open()) {
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    out_.flush();
    if (!out_) throw std::runtime_error("decision log write failed");
  }
  buf_.clear();
  last_flush_ = std::chrono::steady_clock::now();
}

void decision_log_writer::flush_if_due(std::chrono::milliseconds interval) {
  if (buf_.empty()) return;
  if (std::chrono::steady_clock::now() - last_flush_ < interval) return;
  flush();
}

}  // namespace torghut::persistence
