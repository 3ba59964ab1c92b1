#pragma once
// MessagePack primitives shared by the decoder, the wire encoders and the client-action parser.
// Private to torghut::alpaca_codec (not installed under include/).
//
// Reading: a cursor over caller memory; every read checks bounds, never allocates and never
// recurses (skip() counts pending items instead), so hostile input cannot overflow the stack.
// A read that finds the wrong type leaves the cursor where it was (the caller skips the value);
// a read that runs off the end reports `truncated`.
//
// Writing: appends to a std::string (no allocation once its capacity suffices).

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "torghut/core/fixed_point.hpp"
#include "torghut/core/rfc3339.hpp"
#include "torghut/core/types.hpp"

namespace torghut::adapters::mp {

enum class rd : uint8_t { ok, wrong_type, truncated };

inline uint16_t load_be16(const uint8_t* p) noexcept {
  return static_cast<uint16_t>(static_cast<uint16_t>(p[0]) << 8 | p[1]);
}
inline uint32_t load_be32(const uint8_t* p) noexcept {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | static_cast<uint32_t>(p[3]);
}
inline uint64_t load_be64(const uint8_t* p) noexcept {
  return static_cast<uint64_t>(load_be32(p)) << 32 | load_be32(p + 4);
}

/// A number as it was encoded.
struct number {
  enum class kind : uint8_t { u, i, f } k = kind::u;
  uint64_t u = 0;  ///< kind::u
  int64_t i = 0;   ///< kind::i (always negative: non-negative ints are reported as u)
  double f = 0;    ///< kind::f (float32 widened exactly)
};

struct cursor {
  const uint8_t* p;
  const uint8_t* end;

  cursor(const uint8_t* b, const uint8_t* e) noexcept : p(b), end(e) {}
  explicit cursor(std::string_view s) noexcept
      : p(reinterpret_cast<const uint8_t*>(s.data())),
        end(reinterpret_cast<const uint8_t*>(s.data()) + s.size()) {}

  [[nodiscard]] size_t left() const noexcept { return static_cast<size_t>(end - p); }
  [[nodiscard]] bool at_end() const noexcept { return p == end; }

  rd map_header(uint32_t& n) noexcept {
    if (p == end) return rd::truncated;
    const uint8_t b = *p;
    if ((b & 0xf0) == 0x80) {
      n = b & 0x0fu;
      ++p;
      return rd::ok;
    }
    if (b == 0xde) return len16(n);
    if (b == 0xdf) return len32(n);
    return rd::wrong_type;
  }

  rd array_header(uint32_t& n) noexcept {
    if (p == end) return rd::truncated;
    const uint8_t b = *p;
    if ((b & 0xf0) == 0x90) {
      n = b & 0x0fu;
      ++p;
      return rd::ok;
    }
    if (b == 0xdc) return len16(n);
    if (b == 0xdd) return len32(n);
    return rd::wrong_type;
  }

  rd str(std::string_view& s) noexcept {
    if (p == end) return rd::truncated;
    const uint8_t b = *p;
    size_t n = 0, h = 1;
    if ((b & 0xe0) == 0xa0) {
      n = b & 0x1fu;
    } else if (b == 0xd9) {
      if (left() < 2) return rd::truncated;
      n = p[1];
      h = 2;
    } else if (b == 0xda) {
      if (left() < 3) return rd::truncated;
      n = load_be16(p + 1);
      h = 3;
    } else if (b == 0xdb) {
      if (left() < 5) return rd::truncated;
      n = load_be32(p + 1);
      h = 5;
    } else {
      return rd::wrong_type;
    }
    if (left() - h < n) return rd::truncated;
    s = std::string_view(reinterpret_cast<const char*>(p + h), n);
    p += h + n;
    return rd::ok;
  }

  rd num(number& out) noexcept {
    if (p == end) return rd::truncated;
    const uint8_t b = *p;
    if (b <= 0x7f) {
      out.k = number::kind::u;
      out.u = b;
      ++p;
      return rd::ok;
    }
    if (b >= 0xe0) {
      out.k = number::kind::i;
      out.i = static_cast<int8_t>(b);
      ++p;
      return rd::ok;
    }
    size_t w = 0;
    switch (b) {
      case 0xca: case 0xcc: case 0xd0: w = b == 0xca ? 4 : 1; break;
      case 0xcd: case 0xd1: w = 2; break;
      case 0xce: case 0xd2: w = 4; break;
      case 0xcb: case 0xcf: case 0xd3: w = 8; break;
      default: return rd::wrong_type;
    }
    if (left() < 1 + w) return rd::truncated;
    const uint8_t* d = p + 1;
    switch (b) {
      case 0xcc: set_u(out, d[0]); break;
      case 0xcd: set_u(out, load_be16(d)); break;
      case 0xce: set_u(out, load_be32(d)); break;
      case 0xcf: set_u(out, load_be64(d)); break;
      case 0xd0: set_i(out, static_cast<int8_t>(d[0])); break;
      case 0xd1: set_i(out, static_cast<int16_t>(load_be16(d))); break;
      case 0xd2: set_i(out, static_cast<int32_t>(load_be32(d))); break;
      case 0xd3: set_i(out, static_cast<int64_t>(load_be64(d))); break;
      case 0xca:
        out.k = number::kind::f;
        out.f = static_cast<double>(std::bit_cast<float>(load_be32(d)));
        break;
      default:  // 0xcb
        out.k = number::kind::f;
        out.f = std::bit_cast<double>(load_be64(d));
        break;
    }
    p += 1 + w;
    return rd::ok;
  }

  /// The Timestamp extension (type -1) in its 32, 64 or 96-bit form. `nsec` is not validated.
  rd timestamp_ext(int64_t& sec, uint32_t& nsec) noexcept {
    if (p == end) return rd::truncated;
    const uint8_t b = *p;
    if (b == 0xd6) {  // fixext 4
      if (left() < 6) return rd::truncated;
      if (p[1] != 0xff) return rd::wrong_type;
      sec = load_be32(p + 2);
      nsec = 0;
      p += 6;
      return rd::ok;
    }
    if (b == 0xd7) {  // fixext 8
      if (left() < 10) return rd::truncated;
      if (p[1] != 0xff) return rd::wrong_type;
      const uint64_t v = load_be64(p + 2);
      nsec = static_cast<uint32_t>(v >> 34);
      sec = static_cast<int64_t>(v & 0x3ffffffffull);
      p += 10;
      return rd::ok;
    }
    if (b == 0xc7) {  // ext 8, length 12
      if (left() < 3) return rd::truncated;
      if (p[1] != 12 || p[2] != 0xff) return rd::wrong_type;
      if (left() < 15) return rd::truncated;
      nsec = load_be32(p + 3);
      sec = static_cast<int64_t>(load_be64(p + 7));
      p += 15;
      return rd::ok;
    }
    return rd::wrong_type;
  }

  /// Skips one value of any type (nested arrays and maps included), iteratively.
  [[nodiscard]] bool skip() noexcept {
    uint64_t pending = 1;
    while (pending != 0) {
      --pending;
      if (p == end) return false;
      const uint8_t b = *p;
      uint64_t payload = 0;
      size_t h = 1;
      if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
        // fixint, nil, bool
      } else if ((b & 0xf0) == 0x80) {
        pending += 2u * (b & 0x0fu);
      } else if ((b & 0xf0) == 0x90) {
        pending += b & 0x0fu;
      } else if ((b & 0xe0) == 0xa0) {
        payload = b & 0x1fu;
      } else {
        switch (b) {
          case 0xcc: case 0xd0: payload = 1; break;
          case 0xcd: case 0xd1: payload = 2; break;
          case 0xca: case 0xce: case 0xd2: payload = 4; break;
          case 0xcb: case 0xcf: case 0xd3: payload = 8; break;
          case 0xd4: payload = 2; break;   // fixext 1 (type + data)
          case 0xd5: payload = 3; break;
          case 0xd6: payload = 5; break;
          case 0xd7: payload = 9; break;
          case 0xd8: payload = 17; break;
          case 0xc4: case 0xd9:
            if (left() < 2) return false;
            payload = p[1];
            h = 2;
            break;
          case 0xc5: case 0xda:
            if (left() < 3) return false;
            payload = load_be16(p + 1);
            h = 3;
            break;
          case 0xc6: case 0xdb:
            if (left() < 5) return false;
            payload = load_be32(p + 1);
            h = 5;
            break;
          case 0xc7:
            if (left() < 2) return false;
            payload = uint64_t{p[1]} + 1;
            h = 2;
            break;
          case 0xc8:
            if (left() < 3) return false;
            payload = uint64_t{load_be16(p + 1)} + 1;
            h = 3;
            break;
          case 0xc9:
            if (left() < 5) return false;
            payload = uint64_t{load_be32(p + 1)} + 1;
            h = 5;
            break;
          case 0xdc:
            if (left() < 3) return false;
            pending += load_be16(p + 1);
            h = 3;
            break;
          case 0xdd:
            if (left() < 5) return false;
            pending += load_be32(p + 1);
            h = 5;
            break;
          case 0xde:
            if (left() < 3) return false;
            pending += 2u * uint64_t{load_be16(p + 1)};
            h = 3;
            break;
          case 0xdf:
            if (left() < 5) return false;
            pending += 2u * uint64_t{load_be32(p + 1)};
            h = 5;
            break;
          default: return false;  // 0xc1: never used
        }
      }
      if (left() < h || left() - h < payload) return false;
      p += h + payload;
      // Every pending item needs at least one byte: a count larger than what is left is a lie.
      if (pending > left()) return false;
    }
    return true;
  }

 private:
  static void set_u(number& out, uint64_t v) noexcept {
    out.k = number::kind::u;
    out.u = v;
  }
  static void set_i(number& out, int64_t v) noexcept {
    if (v >= 0) {
      set_u(out, static_cast<uint64_t>(v));
    } else {
      out.k = number::kind::i;
      out.i = v;
    }
  }
  rd len16(uint32_t& n) noexcept {
    if (left() < 3) return rd::truncated;
    n = load_be16(p + 1);
    p += 3;
    return rd::ok;
  }
  rd len32(uint32_t& n) noexcept {
    if (left() < 5) return rd::truncated;
    n = load_be32(p + 1);
    p += 5;
    return rd::ok;
  }
};

/// Converts a binary double to 9-decimal fixed point (prices and quantities).
///
/// Below 4e6 in magnitude (every equity price, most sizes) the result is the exactly rounded
/// value of d × 10^9 (half away from zero), computed in 128-bit integers from the double's
/// mantissa and exponent. Since 4e6 × 10^9 < 2^52, the nearest double to any decimal with at most
/// nine fractional digits converts back to exactly that decimal: an encoder that wrote
/// `raw / 1e9` as float64 round-trips bit for bit.
/// Above, d × 10^9 no longer has sub-unit precision in a double, so the shortest decimal that
/// round-trips (std::to_chars) is parsed with parse_decimal instead: the sender's decimal comes
/// back whenever it had at most 15 significant digits.
/// nullopt for NaN, infinities and values out of range.
template <class Fixed>
[[nodiscard]] inline std::optional<Fixed> fixed_from_double(double d) noexcept {
  static_assert(Fixed::decimals == 9);
  if (!std::isfinite(d)) return std::nullopt;
  const double a = std::fabs(d);
  if (a < 4.0e6) {
    const auto bits = std::bit_cast<uint64_t>(a);
    const auto biased = static_cast<int>(bits >> 52);
    uint64_t m = bits & ((uint64_t{1} << 52) - 1);
    int e = 0;
    if (biased == 0) {
      e = -1074;  // subnormal (or zero)
    } else {
      m |= uint64_t{1} << 52;
      e = biased - 1075;
    }
    // a = m * 2^e with e < 0 here (a < 2^22 and m >= 2^52 for normals).
    const uint128_t prod = static_cast<uint128_t>(m) * static_cast<uint64_t>(Fixed::scale);
    const int k = -e;
    uint128_t v = 0;
    if (k < 127) v = (prod + (static_cast<uint128_t>(1) << (k - 1))) >> k;
    const auto r = static_cast<int64_t>(v);
    return Fixed::from_raw(d < 0 ? -r : r);
  }
  char buf[40];
  const auto res = std::to_chars(buf, buf + sizeof buf, d);
  if (res.ec != std::errc{}) return std::nullopt;
  return parse_decimal<Fixed>(std::string_view(buf, static_cast<size_t>(res.ptr - buf)));
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

inline void put8(std::string& out, uint8_t b) { out.push_back(static_cast<char>(b)); }
inline void put16(std::string& out, uint16_t v) {
  put8(out, static_cast<uint8_t>(v >> 8));
  put8(out, static_cast<uint8_t>(v));
}
inline void put32(std::string& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v));
}
inline void put64(std::string& out, uint64_t v) {
  put32(out, static_cast<uint32_t>(v >> 32));
  put32(out, static_cast<uint32_t>(v));
}

inline void write_map(std::string& out, uint32_t n) {
  if (n <= 15) {
    put8(out, static_cast<uint8_t>(0x80 | n));
  } else if (n <= 0xffff) {
    put8(out, 0xde);
    put16(out, static_cast<uint16_t>(n));
  } else {
    put8(out, 0xdf);
    put32(out, n);
  }
}
inline void write_array(std::string& out, uint32_t n) {
  if (n <= 15) {
    put8(out, static_cast<uint8_t>(0x90 | n));
  } else if (n <= 0xffff) {
    put8(out, 0xdc);
    put16(out, static_cast<uint16_t>(n));
  } else {
    put8(out, 0xdd);
    put32(out, n);
  }
}
inline void write_str(std::string& out, std::string_view s) {
  const size_t n = s.size();
  if (n <= 31) {
    put8(out, static_cast<uint8_t>(0xa0 | n));
  } else if (n <= 0xff) {
    put8(out, 0xd9);
    put8(out, static_cast<uint8_t>(n));
  } else if (n <= 0xffff) {
    put8(out, 0xda);
    put16(out, static_cast<uint16_t>(n));
  } else {
    put8(out, 0xdb);
    put32(out, static_cast<uint32_t>(n));
  }
  out.append(s);
}
/// A one-character string, or "" for '\0'.
inline void write_char(std::string& out, char c) {
  if (c == '\0') {
    put8(out, 0xa0);
  } else {
    put8(out, 0xa1);
    out.push_back(c);
  }
}
inline void write_uint(std::string& out, uint64_t v) {
  if (v <= 0x7f) {
    put8(out, static_cast<uint8_t>(v));
  } else if (v <= 0xff) {
    put8(out, 0xcc);
    put8(out, static_cast<uint8_t>(v));
  } else if (v <= 0xffff) {
    put8(out, 0xcd);
    put16(out, static_cast<uint16_t>(v));
  } else if (v <= 0xffffffffu) {
    put8(out, 0xce);
    put32(out, static_cast<uint32_t>(v));
  } else {
    put8(out, 0xcf);
    put64(out, v);
  }
}
inline void write_int(std::string& out, int64_t v) {
  if (v >= 0) {
    write_uint(out, static_cast<uint64_t>(v));
  } else if (v >= -32) {
    put8(out, static_cast<uint8_t>(static_cast<int8_t>(v)));
  } else if (v >= INT8_MIN) {
    put8(out, 0xd0);
    put8(out, static_cast<uint8_t>(static_cast<int8_t>(v)));
  } else if (v >= INT16_MIN) {
    put8(out, 0xd1);
    put16(out, static_cast<uint16_t>(static_cast<int16_t>(v)));
  } else if (v >= INT32_MIN) {
    put8(out, 0xd2);
    put32(out, static_cast<uint32_t>(static_cast<int32_t>(v)));
  } else {
    put8(out, 0xd3);
    put64(out, static_cast<uint64_t>(v));
  }
}
inline void write_f64(std::string& out, double d) {
  put8(out, 0xcb);
  put64(out, std::bit_cast<uint64_t>(d));
}
/// A fixed-point value as float64 (correctly rounded: raw and 10^9 are exact doubles below 2^53).
template <class Fixed>
inline void write_fixed_f64(std::string& out, Fixed v) {
  write_f64(out, static_cast<double>(v.raw) / static_cast<double>(Fixed::scale));
}
/// Sizes: an integer when whole, float64 when fractional.
template <class Fixed>
inline void write_fixed_number(std::string& out, Fixed v) {
  if (v.raw % Fixed::scale == 0)
    write_int(out, v.raw / Fixed::scale);
  else
    write_fixed_f64(out, v);
}
/// The Timestamp extension in the smallest form that holds the value, as the msgpack spec
/// describes: 32-bit when there are no nanoseconds and the seconds fit in 32 bits, 64-bit when
/// the seconds fit in 34 bits, else 96-bit (also for times before the epoch).
inline void write_timestamp(std::string& out, timestamp t) {
  int64_t sec = t.ns / ns_per_second;
  int64_t nsec = t.ns % ns_per_second;
  if (nsec < 0) {
    nsec += ns_per_second;
    sec -= 1;
  }
  if (sec >= 0 && (static_cast<uint64_t>(sec) >> 34) == 0) {
    const uint64_t v = static_cast<uint64_t>(nsec) << 34 | static_cast<uint64_t>(sec);
    if ((v & 0xffffffff00000000ull) == 0) {
      put8(out, 0xd6);
      put8(out, 0xff);
      put32(out, static_cast<uint32_t>(v));
    } else {
      put8(out, 0xd7);
      put8(out, 0xff);
      put64(out, v);
    }
    return;
  }
  put8(out, 0xc7);
  put8(out, 12);
  put8(out, 0xff);
  put32(out, static_cast<uint32_t>(nsec));
  put64(out, static_cast<uint64_t>(sec));
}

/// Seconds since the epoch of 2262-01-01: RFC 3339 parsing accepts years up to 2261, and
/// msgpack timestamps get the same bound so both decoders agree.
inline constexpr int64_t max_timestamp_seconds = days_from_civil(2262, 1, 1) * 86400;

/// A Timestamp extension's fields as engine time; nullopt when out of range or malformed.
[[nodiscard]] inline std::optional<timestamp> to_timestamp(int64_t sec, uint32_t nsec) noexcept {
  if (sec < 0 || sec >= max_timestamp_seconds || nsec >= static_cast<uint32_t>(ns_per_second))
    return std::nullopt;
  return timestamp{sec * ns_per_second + static_cast<int64_t>(nsec)};
}

}  // namespace torghut::adapters::mp
