#pragma once
/// The one error idiom of the cold path: a function that can fail returns `result<T>`, a value or
/// the reason it failed (an `expected`-style type; C++23's std::expected is not in GCC 12).
///
///   result<config> load(...);            return error{"feed.url: must start with wss://"};
///   if (auto r = load(...); !r) log(r.error());  else use(*r);
///
/// `E` defaults to a human-readable text; a caller that must branch on the kind of failure uses
/// its own error type (e.g. the composition root's `run_failure`, which carries an exit code).
/// Not for the hot path: the error text allocates.

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace torghut {

/// A failure, with what a reader needs to act on it.
struct error {
  std::string message;
};

template <class T, class E = error>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  result(E err) : v_(std::in_place_index<1>, std::move(err)) {}      // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  [[nodiscard]] T& value() & { return std::get<0>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] const E& error() const& { return std::get<1>(v_); }
  [[nodiscard]] E&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, E> v_;
};

/// A result with no value: success, or why not.
template <class E>
class [[nodiscard]] result<void, E> {
 public:
  result() = default;
  result(E err) : err_(std::move(err)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  [[nodiscard]] const E& error() const& { return err_; }
  [[nodiscard]] E&& error() && { return std::move(err_); }

 private:
  E err_{};
  bool ok_ = true;
};

/// The success of a result<void>.
template <class E = error>
[[nodiscard]] inline result<void, E> success() {
  return {};
}

}  // namespace torghut
