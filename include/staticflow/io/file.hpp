// SPDX-License-Identifier: MIT
/// \file
/// \brief `read_file`: a file read by position, with one system call per read.
///
/// One `open` and one `fstat`, then one `pread` per read: no stdio buffer and no seek. A restore
/// of a small checkpoint is mostly system calls, and each costs microseconds in a virtual
/// machine, so their number is what this saves.
#pragma once
#ifndef STATICFLOW_IO_FILE_HPP
#define STATICFLOW_IO_FILE_HPP

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "staticflow/core/error.hpp"

namespace staticflow::io {

class read_file {
 public:
  /// Opens `path` for reading. **Errors:** not_found, with `who` (the reader's name), the path
  /// and the system's reason, when it cannot be opened or is not a regular file.
  read_file(std::string path, const char* who) : path_(std::move(path)) {
    if (const char* why = open()) staticflow::detail::fail<not_found>({who, ": cannot open '", path_, "' (", why, ")"});
  }
  /// The file at `path`, or nullopt when it cannot be opened or is not a regular file.
  static std::optional<read_file> open_if_there(std::string path) {
    read_file f;
    f.path_ = std::move(path);
    if (f.open()) return std::nullopt;
    return f;
  }
  read_file(read_file&& o) noexcept
      : path_(std::move(o.path_)), fd_(std::exchange(o.fd_, -1)), size_(o.size_) {}
  read_file& operator=(read_file&& o) noexcept {
    if (this != &o) close(), path_ = std::move(o.path_), fd_ = std::exchange(o.fd_, -1), size_ = o.size_;
    return *this;
  }
  read_file(const read_file&) = delete;
  read_file& operator=(const read_file&) = delete;
  ~read_file() { close(); }

  const std::string& path() const noexcept { return path_; }
  /// The size when opened.
  std::uint64_t size() const noexcept { return size_; }

  /// Reads `n` bytes at `offset` into `out`; false when fewer are there (a file shortened since
  /// it was opened) or the system reports an error.
  bool read_at(void* out, std::size_t n, std::uint64_t offset) const noexcept {
    auto* p = static_cast<char*>(out);
    while (n > 0) {
      const ::ssize_t k = ::pread(fd_, p, n, static_cast<::off_t>(offset));
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) return false;
      p += k, n -= static_cast<std::size_t>(k), offset += static_cast<std::uint64_t>(k);
    }
    return true;
  }

  /// The whole file, of the size it had when opened. **Errors:** data_loss when it cannot be
  /// read in full.
  std::string read_all(const char* who) const {
    std::string bytes(static_cast<std::size_t>(size_), '\0');
    if (!read_at(bytes.data(), bytes.size(), 0))
      staticflow::detail::fail<data_loss>({who, ": cannot read the ", size_, " bytes of '", path_, "'"});
    return bytes;
  }

 private:
  read_file() = default;
  /// Opens path_: nullptr, or why it could not.
  const char* open() noexcept {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    const bool regular = fd_ >= 0 && ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
    if (!regular) {
      const char* why = fd_ < 0 ? std::strerror(errno) : "not a regular file";
      close();
      return why;
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
    return nullptr;
  }
  void close() noexcept {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }

  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace staticflow::io
#endif  // STATICFLOW_IO_FILE_HPP
