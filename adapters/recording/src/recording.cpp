// Recording writer (buffered stdio-free appends) and reader (mmap, zero-copy lines).

#include "torghut/adapters/recording.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

namespace torghut::adapters {

// ---------------------------------------------------------------------------------------------
// recording_writer
// ---------------------------------------------------------------------------------------------

recording_writer::~recording_writer() { (void)close(); }

recording_writer::recording_writer(recording_writer&& o) noexcept
    : file_(std::exchange(o.file_, nullptr)),
      buf_(std::move(o.buf_)),
      used_(std::exchange(o.used_, 0)),
      frames_(o.frames_),
      sanitized_(o.sanitized_),
      bytes_(o.bytes_),
      failed_(o.failed_),
      error_(std::move(o.error_)) {}

recording_writer& recording_writer::operator=(recording_writer&& o) noexcept {
  if (this != &o) {
    (void)close();
    file_ = std::exchange(o.file_, nullptr);
    buf_ = std::move(o.buf_);
    used_ = std::exchange(o.used_, 0);
    frames_ = o.frames_;
    sanitized_ = o.sanitized_;
    bytes_ = o.bytes_;
    failed_ = o.failed_;
    error_ = std::move(o.error_);
  }
  return *this;
}

bool recording_writer::open(const std::string& path, bool append, size_t buffer_bytes) {
  (void)close();
  error_.clear();
  failed_ = false;
  frames_ = sanitized_ = bytes_ = 0;
  file_ = std::fopen(path.c_str(), append ? "ab" : "wb");
  if (file_ == nullptr) {
    error_ = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  std::setvbuf(file_, nullptr, _IONBF, 0);  // we buffer ourselves
  buf_.resize(buffer_bytes < 4096 ? 4096 : buffer_bytes);
  used_ = 0;
  return true;
}

void recording_writer::put(const char* p, size_t n) noexcept {
  if (n > buf_.size() - used_) {
    (void)flush();
    if (n > buf_.size()) {  // larger than the whole buffer: write through
      if (std::fwrite(p, 1, n, file_) != n) failed_ = true;
      bytes_ += n;
      return;
    }
  }
  std::memcpy(buf_.data() + used_, p, n);
  used_ += n;
  bytes_ += n;
}

bool recording_writer::write(timestamp recv_time, std::string_view frame) noexcept {
  if (file_ == nullptr) return false;
  char head[24];
  auto [end, ec] = std::to_chars(head, head + sizeof head - 1, recv_time.ns);
  (void)ec;
  *end++ = '\t';
  put(head, static_cast<size_t>(end - head));
  const bool dirty = frame.find_first_of("\r\n") != std::string_view::npos;
  if (!dirty) {
    put(frame.data(), frame.size());
  } else {
    ++sanitized_;
    // Copy in chunks through a stack buffer, replacing CR/LF by spaces.
    char tmp[512];
    for (size_t off = 0; off < frame.size(); off += sizeof tmp) {
      const size_t n = std::min(sizeof tmp, frame.size() - off);
      for (size_t k = 0; k < n; ++k) {
        const char c = frame[off + k];
        tmp[k] = (c == '\n' || c == '\r') ? ' ' : c;
      }
      put(tmp, n);
    }
  }
  put("\n", 1);
  ++frames_;
  return !failed_;
}

bool recording_writer::flush() noexcept {
  if (file_ == nullptr) return false;
  if (used_ > 0) {
    if (std::fwrite(buf_.data(), 1, used_, file_) != used_) {
      failed_ = true;
      error_ = std::string("write failed: ") + std::strerror(errno);
    }
    used_ = 0;
  }
  if (std::fflush(file_) != 0) failed_ = true;
  return !failed_;
}

bool recording_writer::close() noexcept {
  if (file_ == nullptr) return !failed_;
  (void)flush();
  if (std::fclose(file_) != 0) failed_ = true;
  file_ = nullptr;
  buf_.clear();
  buf_.shrink_to_fit();
  return !failed_;
}

// ---------------------------------------------------------------------------------------------
// recording_reader
// ---------------------------------------------------------------------------------------------

bool parse_recv_time(std::string_view s, timestamp& out) noexcept {
  if (s.empty() || s.size() > 19) return false;
  int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v)) return false;
  }
  out = timestamp{v};
  return true;
}

recording_reader::~recording_reader() { unmap(); }

recording_reader::recording_reader(recording_reader&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      pos_(std::exchange(o.pos_, 0)),
      map_(std::exchange(o.map_, nullptr)),
      map_size_(std::exchange(o.map_size_, 0)),
      line_(o.line_),
      malformed_(o.malformed_),
      bad_lines_(o.bad_lines_),
      error_(std::move(o.error_)) {}

recording_reader& recording_reader::operator=(recording_reader&& o) noexcept {
  if (this != &o) {
    unmap();
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    pos_ = std::exchange(o.pos_, 0);
    map_ = std::exchange(o.map_, nullptr);
    map_size_ = std::exchange(o.map_size_, 0);
    line_ = o.line_;
    malformed_ = o.malformed_;
    bad_lines_ = o.bad_lines_;
    error_ = std::move(o.error_);
  }
  return *this;
}

void recording_reader::unmap() noexcept {
  if (map_ != nullptr) ::munmap(map_, map_size_);
  map_ = nullptr;
  map_size_ = 0;
  data_ = nullptr;
  size_ = 0;
}

bool recording_reader::open(const std::string& path) {
  unmap();
  error_.clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error_ = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error_ = "cannot stat " + path + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  const auto size = static_cast<size_t>(st.st_size);
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      error_ = "cannot map " + path + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    ::madvise(p, size, MADV_SEQUENTIAL);
    map_ = p;
    map_size_ = size;
    data_ = static_cast<const char*>(p);
    size_ = size;
  }
  ::close(fd);
  rewind();
  return true;
}

void recording_reader::open_memory(std::string_view text) noexcept {
  unmap();
  error_.clear();
  data_ = text.data();
  size_ = text.size();
  rewind();
}

void recording_reader::rewind() noexcept {
  pos_ = 0;
  line_ = 0;
  malformed_ = 0;
}

bool recording_reader::next(recording_entry& out) noexcept {
  while (pos_ < size_) {
    const char* start = data_ + pos_;
    const size_t rest = size_ - pos_;
    const void* nl = std::memchr(start, '\n', rest);
    size_t len = nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - start) : rest;
    pos_ += nl != nullptr ? len + 1 : len;
    ++line_;
    std::string_view ln(start, len);
    if (!ln.empty() && ln.back() == '\r') ln.remove_suffix(1);
    if (!ln.empty() && ln.front() == '#') continue;
    const size_t tab = ln.find('\t');
    timestamp t;
    if (tab == std::string_view::npos || !parse_recv_time(ln.substr(0, tab), t)) {
      if (malformed_ < bad_lines_.size()) bad_lines_[malformed_] = line_;
      ++malformed_;
      continue;
    }
    out.recv_time = t;
    out.frame = ln.substr(tab + 1);
    out.line = line_;
    return true;
  }
  return false;
}

}  // namespace torghut::adapters
