// The simulator's JSON reader and writer (sim_json.hpp).
#include "sim_json.hpp"

#include <simdjson.h>

#include "torghut/core/rfc3339.hpp"

namespace torghut::adapters::sim {

namespace od = simdjson::ondemand;

namespace {

bool read_scalar(od::value& v, json_field& jf) {
  od::json_type t;
  if (v.type().get(t)) return false;
  switch (t) {
    case od::json_type::string: {
      std::string_view s;
      if (v.get_string().get(s)) return false;
      jf.k = json_field::kind::string;
      jf.text.assign(s);
      return true;
    }
    case od::json_type::number: {
      std::string_view raw = v.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
        raw.remove_suffix(1);
      jf.k = json_field::kind::number;
      jf.text.assign(raw);
      return true;
    }
    case od::json_type::boolean: {
      bool b = false;
      if (v.get_bool().get(b)) return false;
      jf.k = json_field::kind::boolean;
      jf.text = b ? "true" : "false";
      return true;
    }
    case od::json_type::null: {
      bool n = false;
      if (v.is_null().get(n) || !n) return false;
      jf.k = json_field::kind::null;
      return true;
    }
    default:  // object or array: left unread (the iterator skips it)
      jf.k = json_field::kind::other;
      return true;
  }
}

thread_local od::parser tl_parser;

}  // namespace

std::string time_text(int64_t ns) {
  char b[40];
  return std::string(b, format_rfc3339(timestamp{ns}, b, rfc3339_fraction::nine));
}

void obj_writer::key(std::string_view k) {
  if (!first_) o_.push_back(',');
  first_ = false;
  o_.push_back('"');
  o_.append(k);
  o_.append("\":");
}

void obj_writer::str(std::string_view k, std::string_view v) {
  key(k);
  o_.push_back('"');
  append_escaped(o_, v);
  o_.push_back('"');
}

void obj_writer::raw(std::string_view k, std::string_view v) {
  key(k);
  o_.append(v);
}

void obj_writer::time(std::string_view k, int64_t ns) {
  if (ns == 0) {
    null(k);
  } else {
    str(k, time_text(ns));
  }
}

void append_escaped(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
}

bool parse_flat_object(std::string_view text, json_object& out) {
  out.fields.clear();
  simdjson::padded_string ps(text);
  od::document doc;
  if (tl_parser.iterate(ps).get(doc)) return false;
  od::object obj;
  if (doc.get_object().get(obj)) return false;
  for (auto fr : obj) {
    od::field f;
    if (std::move(fr).get(f)) return false;
    std::string_view k;
    if (f.unescaped_key().get(k)) return false;
    json_field jf;
    jf.name.assign(k);
    od::value v = f.value();
    if (!read_scalar(v, jf)) return false;
    out.fields.push_back(std::move(jf));
  }
  return true;
}

bool parse_stream_message(std::string_view text, json_object& top, json_object& data) {
  top.fields.clear();
  data.fields.clear();
  simdjson::padded_string ps(text);
  od::document doc;
  if (tl_parser.iterate(ps).get(doc)) return false;
  od::object obj;
  if (doc.get_object().get(obj)) return false;
  for (auto fr : obj) {
    od::field f;
    if (std::move(fr).get(f)) return false;
    std::string_view k;
    if (f.unescaped_key().get(k)) return false;
    od::value v = f.value();
    od::json_type t;
    if (v.type().get(t)) return false;
    if (k == "data" && t == od::json_type::object) {
      od::object d;
      if (v.get_object().get(d)) return false;
      for (auto dfr : d) {
        od::field df;
        if (std::move(dfr).get(df)) return false;
        std::string_view dk;
        if (df.unescaped_key().get(dk)) return false;
        od::value dv = df.value();
        od::json_type dt;
        if (dv.type().get(dt)) return false;
        if (dt == od::json_type::array) {
          od::array arr;
          if (dv.get_array().get(arr)) return false;
          for (auto el : arr) {
            od::value ev;
            if (std::move(el).get(ev)) return false;
            json_field jf;
            jf.name = std::string(dk) + "[]";
            if (!read_scalar(ev, jf)) return false;
            data.fields.push_back(std::move(jf));
          }
          continue;
        }
        json_field jf;
        jf.name.assign(dk);
        if (!read_scalar(dv, jf)) return false;
        data.fields.push_back(std::move(jf));
      }
      continue;
    }
    json_field jf;
    jf.name.assign(k);
    if (!read_scalar(v, jf)) return false;
    top.fields.push_back(std::move(jf));
  }
  return true;
}

}  // namespace torghut::adapters::sim
