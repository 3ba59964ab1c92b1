#pragma once
/// The one place that includes moodycamel's ReaderWriterQueue. It synchronises with standalone
/// fences, which ThreadSanitizer does not model; moodycamel ships happens-before annotations for
/// TSan but switches them on only through clang's `__has_feature(thread_sanitizer)`. GCC says
/// `__SANITIZE_THREAD__` instead, so this header switches on the very same annotations for GCC's
/// TSan builds. Release builds are unaffected (the macros expand to nothing).

#if defined(__SANITIZE_THREAD__) && !defined(AE_TSAN_ANNOTATE_RELEASE)
namespace moodycamel {
inline int ae_tsan_global;
}
extern "C" void AnnotateHappensBefore(const char*, int, void*);
extern "C" void AnnotateHappensAfter(const char*, int, void*);
#define AE_TSAN_ANNOTATE_RELEASE() \
  AnnotateHappensBefore(__FILE__, __LINE__, static_cast<void*>(&::moodycamel::ae_tsan_global))
#define AE_TSAN_ANNOTATE_ACQUIRE() \
  AnnotateHappensAfter(__FILE__, __LINE__, static_cast<void*>(&::moodycamel::ae_tsan_global))
#endif

#include <readerwriterqueue/readerwriterqueue.h>

namespace torghut::detail {

/// Touches every slot of a freshly built queue once (fill, then drain), so that the kernel maps
/// its pages at construction and not on the hot thread: a bounded queue of 2^16 audit rows is
/// 11 MB of untouched memory, and each first write into a new page (a 2 MB transparent huge
/// page when the kernel hands one out) cost the hot path a page fault of up to tens of µs,
/// which made up most of tick-to-order's p99. Run before any other thread sees the queue.
template <class T>
void prefault(moodycamel::ReaderWriterQueue<T>& q) noexcept {
  T v{};
  while (q.try_enqueue(v)) {
  }
  while (q.try_dequeue(v)) {
  }
}

}  // namespace torghut::detail
