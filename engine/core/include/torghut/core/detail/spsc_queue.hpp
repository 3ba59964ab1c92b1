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
