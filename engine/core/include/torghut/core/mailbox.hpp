#pragma once
/// The hot mailbox: a bounded single-producer single-consumer lock-free queue (moodycamel
/// ReaderWriterQueue), preallocated so that a push never allocates and a full mailbox is a
/// status the caller handles (back-pressure), never a hidden allocation or a block.

#include <cstddef>
#include <cstdint>
#include "torghut/core/detail/spsc_queue.hpp"
#include <type_traits>

namespace torghut {

enum class push_result : uint8_t { ok, back_pressured };

template <class T>
class mailbox {
  static_assert(std::is_trivially_copyable_v<T>, "hot messages are trivially copyable");

 public:
  explicit mailbox(size_t capacity) : q_(capacity) { detail::prefault(q_); }
  mailbox(const mailbox&) = delete;
  mailbox& operator=(const mailbox&) = delete;

  /// Never allocates: fails with back_pressured when full.
  [[nodiscard]] push_result push(const T& m) noexcept {
    if (q_.try_enqueue(m)) return push_result::ok;
    ++back_pressured_;
    return push_result::back_pressured;
  }
  /// Pops one message into `out`; false when empty.
  [[nodiscard]] bool pop(T& out) noexcept { return q_.try_dequeue(out); }
  /// Pops and hands every queued message to `f`; returns how many.
  template <class F>
  size_t drain(F&& f) {
    size_t n = 0;
    // Uninitialised storage: a default-constructed T on every call (most calls find the
    // mailbox empty) costs as many stores as T has bytes. Assigning a trivially copyable member
    // of a union starts its lifetime, so no constructor has to run.
    static_assert(std::is_trivially_copyable_v<T>);
    union slot_t {
      slot_t() noexcept {}
      T m;
    } slot;
    while (q_.try_dequeue(slot.m)) {
      f(slot.m);
      ++n;
    }
    return n;
  }
  /// O(blocks) in moodycamel (it walks the block list): for diagnostics, never per message.
  [[nodiscard]] size_t size_approx() const noexcept { return q_.size_approx(); }
  [[nodiscard]] uint64_t back_pressured_count() const noexcept { return back_pressured_; }

 private:
  moodycamel::ReaderWriterQueue<T> q_;
  uint64_t back_pressured_ = 0;
};

}  // namespace torghut
