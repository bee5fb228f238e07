// SPDX-License-Identifier: MIT
/// \file
/// \brief `atomic_file`: a file that appears whole or not at all (written beside its place,
/// fsynced, swapped into it, and the directory fsynced), so a process killed at any moment
/// leaves either the old file or the new one.
#pragma once
#ifndef STATICFLOW_IO_ATOMIC_FILE_HPP
#define STATICFLOW_IO_ATOMIC_FILE_HPP

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <stdio.h>  // renameat2 (glibc 2.28)
#include <unistd.h>

#include "staticflow/core/error.hpp"

namespace staticflow::io {

/// Bytes appended go to "<path>.tempstate<random>"; `commit()` makes them `path`. Destroyed
/// without a commit (an exception on the way), the temporary file is removed and `path` is as it
/// was. `sync = false` skips the fsyncs (the rename is still atomic, but a power cut may then
/// leave an empty file).
/// **Errors:** a file that cannot be created, written or renamed: internal_error with the path
/// and the system's reason.
class atomic_file {
 public:
  explicit atomic_file(std::filesystem::path path, bool sync = true)
      : path_(std::move(path)), temp_(temp_name(path_)), sync_(sync) {
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot create", temp_);
  }
  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;
  ~atomic_file() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());
  }

  void append(const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    if (n < buffer_capacity - buffer_.size()) return (void)buffer_.append(p, n);
    flush();
    if (n < buffer_capacity) return (void)buffer_.append(p, n);
    write_all(p, n);  // large tensors go straight to the file
  }
  void append(std::string_view s) { append(s.data(), s.size()); }
  std::size_t size() const noexcept { return written_ + buffer_.size(); }

  /// Writes what is buffered, fsyncs, closes and renames the file into place.
  void commit() {
    flush();
    if (sync_ && ::fsync(fd_) != 0) fail("cannot fsync", temp_);
    if (::close(std::exchange(fd_, -1)) != 0) fail("cannot close", temp_);
    replace(temp_, path_);
    committed_ = true;
    if (sync_) sync_directory(path_);
  }

 private:
  static constexpr std::size_t buffer_capacity = std::size_t{1} << 20;

  /// Unique among processes (the pid), threads and files of one thread (a counter mixed with the
  /// clock and the thread's address), as TF's "tempstate<random>" names are; `O_EXCL` catches the
  /// impossible rest. Not <random>, which nothing else in the umbrella header needs.
  static std::string temp_name(const std::filesystem::path& p) {
    static thread_local std::uint64_t counter = 0;
    const auto ticks = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    const std::uint64_t mix = (ticks ^ reinterpret_cast<std::uintptr_t>(&counter)) * 0x9E3779B97F4A7C15u + ++counter;
    return p.string() + ".tempstate" + std::to_string(::getpid()) + "_" + std::to_string(mix);
  }
  /// Moves `from` to `to` atomically. An existing `to` is swapped with `from` (Linux's
  /// RENAME_EXCHANGE), and the old file, now at `from`, unlinked: a plain rename over an existing
  /// file makes ext4 write the new file's data out first (its replace-by-rename heuristic), which
  /// took 150-300 us of a 0.7 ms LeNet-5 save, where the swap takes 5-20. Durability does not rest
  /// on that heuristic: with `sync` the file is fsynced before the swap. A process killed between
  /// swap and unlink leaves the old bytes under the temporary name, never under `to`.
  static void replace(const std::string& from, const std::filesystem::path& to) {
#if defined(__linux__) && defined(RENAME_EXCHANGE)
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) == 0) {
      (void)::unlink(from.c_str());
      return;
    }
    // ENOENT: no file at `to` yet; EINVAL/ENOSYS: a file system or kernel without the swap.
#endif
    if (::rename(from.c_str(), to.c_str()) != 0) fail("cannot rename into place", to.string());
  }
  /// Makes a rename durable: the directory's entry is data of the directory.
  static void sync_directory(const std::filesystem::path& p) {
    const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;  // best effort: some file systems do not open directories
    (void)::fsync(fd);
    ::close(fd);
  }
  [[noreturn]] static void fail(const char* what, const std::string& path) {
    staticflow::detail::fail<internal_error>(
        {"staticflow::io::atomic_file: ", what, " '", path, "' (", std::strerror(errno), ")"});
  }
  void flush() {
    if (buffer_.empty()) return;
    write_all(buffer_.data(), buffer_.size());
    buffer_.clear();
  }
  void write_all(const char* p, std::size_t n) {
    while (n > 0) {
      const ::ssize_t k = ::write(fd_, p, n);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) fail("cannot write", temp_);
      p += k, n -= static_cast<std::size_t>(k), written_ += static_cast<std::size_t>(k);
    }
  }

  std::filesystem::path path_;
  std::string temp_;
  bool sync_;
  int fd_ = -1;
  bool committed_ = false;
  std::size_t written_ = 0;
  std::string buffer_;
};

}  // namespace staticflow::io
#endif  // STATICFLOW_IO_ATOMIC_FILE_HPP
