// The trade_updates protocol of the simulator: a connection's auth and listen messages, and the
// event frames (new, partial_fill, fill, canceled, rejected, expired) the orders cause.
#include "sim_core.hpp"

namespace torghut::adapters::sim {

void sim_core::on_stream_message(std::string_view msg, stream_state& st, std::vector<std::string>& replies) {
  static constexpr std::string_view authorized =
      R"({"stream":"authorization","data":{"action":"authenticate","status":"authorized"}})";
  static constexpr std::string_view unauthorized =
      R"({"stream":"authorization","data":{"action":"authenticate","status":"unauthorized"}})";
  json_object top, data;
  const bool ok = parse_stream_message(msg, top, data);
  const json_field* action = ok ? top.find("action") : nullptr;
  const std::string_view act = action != nullptr && action->k == json_field::kind::string ? std::string_view(action->text) : "";
  if (act == "auth" || act == "authenticate") {
    if (st.authed) return;  // never a second authorization frame
    std::string_view key, secret;
    auto str = [](const json_field* f) {
      return f != nullptr && f->k == json_field::kind::string ? std::string_view(f->text) : std::string_view();
    };
    if (act == "auth") {
      key = str(top.find("key"));
      secret = str(top.find("secret"));
    } else {
      key = str(data.find("key_id"));
      secret = str(data.find("secret_key"));
    }
    if (!key.empty() && credentials_ok(key, secret)) {
      st.authed = true;
      st.key.assign(key);
      ctr_.bump(c_stream_auth_ok);
      replies.emplace_back(authorized);
    } else {
      ctr_.bump(c_stream_auth_failed);
      replies.emplace_back(unauthorized);
      st.close_after_reply = true;
    }
    return;
  }
  if (act == "listen") {
    if (!st.authed) {
      ctr_.bump(c_stream_auth_failed);
      replies.emplace_back(unauthorized);
      st.close_after_reply = true;
      return;
    }
    bool trade_updates = false;
    for (const auto& f : data.fields)
      if (f.name == "streams[]" && f.k == json_field::kind::string && f.text == "trade_updates") trade_updates = true;
    st.listening = trade_updates;
    replies.emplace_back(trade_updates ? R"({"stream":"listening","data":{"streams":["trade_updates"]}})"
                                       : R"({"stream":"listening","data":{"streams":[]}})");
    return;
  }
  if (!st.authed) {  // anything else before auth: refused like a bad auth
    ctr_.bump(c_stream_auth_failed);
    replies.emplace_back(unauthorized);
    st.close_after_reply = true;
  }
  // authenticated: unknown actions are ignored
}

void sim_core::emit(const order& o, std::string_view event, int64_t now, std::vector<outgoing_event>& events,
                    const price* px, const quantity* q, const quantity* pos_qty) {
  std::string f;
  f.reserve(1200);
  f.append(R"({"stream":"trade_updates","data":{"event":")");
  f.append(event);
  f.append(R"(","execution_id":")");
  f.append(uuid());
  f.append(R"(","order":)");
  write_order(o, f);
  f.append(R"(,"timestamp":")");
  f.append(time_text(now));
  f.push_back('"');
  if (px != nullptr) {
    f.append(R"(,"price":")").append(dec(*px)).push_back('"');
  }
  if (q != nullptr) {
    f.append(R"(,"qty":")").append(dec(*q)).push_back('"');
  }
  if (pos_qty != nullptr) {
    f.append(R"(,"position_qty":")").append(dec(*pos_qty)).push_back('"');
  }
  f.append("}}");
  events.push_back(outgoing_event{o.key, std::move(f)});
}

}  // namespace torghut::adapters::sim
