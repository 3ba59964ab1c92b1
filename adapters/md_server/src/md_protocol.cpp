#include "torghut/adapters/md_protocol.hpp"

#include <cctype>

namespace torghut::adapters {

// ---------------------------------------------------------------------------------------------
// The upgrade request
// ---------------------------------------------------------------------------------------------

std::string_view md_feed_of_target(std::string_view target) noexcept {
  const size_t q = target.find('?');
  if (q != std::string_view::npos) target = target.substr(0, q);
  constexpr std::string_view prefix = "/v2/";
  if (target.substr(0, prefix.size()) != prefix) return {};
  const std::string_view f = target.substr(prefix.size());
  const bool known = f == "iex" || f == "sip" || f == "delayed_sip" || f == "test";
  return known ? f : std::string_view{};
}

wire_format md_format_of_content_type(std::string_view content_type) noexcept {
  constexpr std::string_view msgpack = "application/msgpack";
  if (content_type.size() < msgpack.size()) return wire_format::json;
  for (size_t i = 0; i < msgpack.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(content_type[i])) != static_cast<unsigned char>(msgpack[i]))
      return wire_format::json;
  return wire_format::msgpack;
}

std::string_view md_error_text(int code) noexcept {
  const std::string_view m = error_message(code);
  return m.empty() ? std::string_view("internal error") : m;
}

// ---------------------------------------------------------------------------------------------
// Slots
// ---------------------------------------------------------------------------------------------

std::string md_slots::key_of(std::string_view feed, std::string_view key) {
  std::string k(feed);
  k.push_back('\n');
  k.append(key);
  return k;
}

bool md_slots::acquire(std::string_view feed, std::string_view key, const void* owner, int64_t now_ns) {
  slot& s = slots_[key_of(feed, key)];
  if (s.owner != nullptr && s.owner != owner) return false;
  if (s.owner == nullptr && s.held_until_ns > now_ns) return false;
  s.owner = owner;
  return true;
}

void md_slots::release(std::string_view feed, std::string_view key, const void* owner, int64_t now_ns,
                       int64_t hold_ns) {
  const auto it = slots_.find(key_of(feed, key));
  if (it == slots_.end() || it->second.owner != owner) return;
  if (hold_ns > 0) {
    it->second.owner = nullptr;
    it->second.held_until_ns = now_ns + hold_ns;
  } else {
    slots_.erase(it);
  }
}

void md_slots::release_held() {
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (it->second.owner == nullptr) {
      it = slots_.erase(it);
    } else {
      ++it;
    }
  }
}

const void* md_slots::owner(std::string_view feed, std::string_view key) const {
  const auto it = slots_.find(key_of(feed, key));
  return it == slots_.end() ? nullptr : it->second.owner;
}

// ---------------------------------------------------------------------------------------------
// md_protocol
// ---------------------------------------------------------------------------------------------

bool md_protocol::credentials_ok(std::string_view key, std::string_view secret) const noexcept {
  for (const auto& c : cfg_.credentials)
    if (c.key == key && c.secret == secret) return true;
  return false;
}

std::string_view to_string(md_outcome o) noexcept {
  switch (o) {
    case md_outcome::none: return "none";
    case md_outcome::authenticated: return "authenticated";
    case md_outcome::auth_failed: return "auth_failed";
    case md_outcome::connection_limit: return "connection_limit";
    case md_outcome::auth_timeout: return "auth_timeout";
    case md_outcome::slow_client: return "slow_client";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// md_protocol_session
// ---------------------------------------------------------------------------------------------

md_protocol_session::md_protocol_session(md_protocol& protocol, std::string_view feed, wire_format format)
    : protocol_(protocol), feed_(feed), format_(format), test_feed_(feed == "test") {}

md_step md_protocol_session::open(int64_t now_ns) {
  auth_deadline_ns_ = now_ns + protocol_.config().auth_timeout_ns;
  md_step st;
  encode_success(format_, "connected", st.frame);
  return st;
}

md_step md_protocol_session::header_auth(std::string_view key, std::string_view secret, int64_t now_ns) {
  if (closing_ || ended_) return {};
  return authenticate(key, secret, now_ns);
}

md_step md_protocol_session::on_frame(std::string_view data, int64_t now_ns) {
  if (closing_ || ended_) return {};
  client_action act;
  std::string err;
  if (!parse_client_action(format_, data, act, err)) return error(400);
  return on_action(act, now_ns);
}

md_step md_protocol_session::on_action(const client_action& action, int64_t now_ns) {
  if (closing_ || ended_) return {};
  switch (action.type) {
    case client_action_type::auth:
      if (authed_) return error(403);
      return authenticate(action.key, action.secret, now_ns);
    case client_action_type::subscribe:
    case client_action_type::unsubscribe: {
      if (!authed_) return error(401);
      const bool sub = action.type == client_action_type::subscribe;
      if (!subs_.apply(sub, action.channels, protocol_.config().max_symbols_per_connection)) return error(405);
      md_step st;
      encode_subscription(format_, subs_.reply_state(), st.frame);
      return st;
    }
    case client_action_type::unknown: break;
  }
  return error(400);
}

md_step md_protocol_session::on_auth_timer(int64_t now_ns) {
  if (!awaiting_auth() || now_ns < auth_deadline_ns_) return {};
  return fail(404, md_outcome::auth_timeout);
}

md_step md_protocol_session::on_slow_client() { return fail(407, md_outcome::slow_client); }

md_step md_protocol_session::fail(int code) { return fail(code, md_outcome::none); }

bool md_protocol_session::end(md_end how, int64_t now_ns) {
  if (ended_) return false;
  ended_ = true;
  if (holds_slot_) {
    // The client's drop holds the slot (Alpaca's ~90 s); a close the server decided on does not.
    const bool hold = how == md_end::dropped || (how == md_end::unclean && !closing_);
    protocol_.slots().release(feed_, key_, this, now_ns, hold ? protocol_.config().slot_hold_after_drop_ns : 0);
    holds_slot_ = false;
  }
  return true;
}

md_step md_protocol_session::authenticate(std::string_view key, std::string_view secret, int64_t now_ns) {
  const bool first = !dial_counted_;
  if (first) {
    dial_counted_ = true;
    key_ = key;
  }
  md_step st;
  if (!protocol_.credentials_ok(key, secret)) {
    st = fail(402, md_outcome::auth_failed);
  } else {
    key_ = key;
    if (!protocol_.slots().acquire(feed_, key_, this, now_ns)) {
      st = fail(406, md_outcome::connection_limit);
    } else {
      holds_slot_ = true;
      authed_ = true;
      st.outcome = md_outcome::authenticated;
      encode_success(format_, "authenticated", st.frame);
    }
  }
  st.dialed = first;
  return st;
}

md_step md_protocol_session::error(int code) const {
  md_step st;
  st.error_code = code;
  encode_error(format_, code, md_error_text(code), st.frame);
  return st;
}

md_step md_protocol_session::fail(int code, md_outcome outcome) {
  if (closing_ || ended_) return {};
  md_step st = error(code);
  st.close = true;
  st.outcome = outcome;
  closing_ = true;
  return st;
}

}  // namespace torghut::adapters
