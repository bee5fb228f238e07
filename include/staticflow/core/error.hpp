// SPDX-License-Identifier: MIT
/// \file
/// \brief Run-time errors, mirroring TensorFlow's error classes.
#pragma once
#ifndef STATICFLOW_CORE_ERROR_HPP
#define STATICFLOW_CORE_ERROR_HPP

#include <charconv>
#include <concepts>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace staticflow {

/// Base class of every staticflow run-time error; `what()` says what and where.
struct error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// An argument (extent, size, flag) is not acceptable.
struct invalid_argument : error {
  using error::error;
};
/// An index or position lies outside the valid range.
struct out_of_range : error {
  using error::error;
};
/// The system is not in a state the operation needs (e.g. an uninitialised variable).
struct failed_precondition : error {
  using error::error;
};
/// A file or named entity does not exist.
struct not_found : error {
  using error::error;
};
/// A file is truncated or corrupt.
struct data_loss : error {
  using error::error;
};
/// Memory (host or device) ran out, or a configured limit would be exceeded.
struct resource_exhausted : error {
  using error::error;
};
/// An operation is not available in this build (e.g. CUDA without nvcc).
struct unimplemented : error {
  using error::error;
};
/// A device or library call failed (the message names the call and its error string).
struct internal_error : error {
  using error::error;
};
/// An operation was cancelled: an enqueue into a closed queue, or one pending when the queue was
/// cancelled (TensorFlow's CancelledError).
struct cancelled : error {
  using error::error;
};
/// A deadline passed before the operation finished (e.g. threads still running after a join's
/// grace period; TensorFlow's DeadlineExceededError).
struct deadline_exceeded : error {
  using error::error;
};

namespace detail {

/// One piece of an error message: a view of text, or an integer written into the piece.
class message_part {
 public:
  message_part(const char* text) : text_(text) {}
  message_part(std::string_view text) : text_(text) {}
  message_part(const std::string& text) : text_(text) {}
  template <std::integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, char>)
  message_part(I value) : digits_size_(static_cast<unsigned char>(
                              std::to_chars(digits_, digits_ + sizeof digits_, value).ptr - digits_)) {}
  /// As std::to_string writes it (six decimals), or in the shortest general form when that is too long.
  template <std::floating_point F>
  message_part(F value) {
    auto written = std::to_chars(digits_, digits_ + sizeof digits_, value, std::chars_format::fixed, 6);
    if (written.ec != std::errc{})
      written = std::to_chars(digits_, digits_ + sizeof digits_, value, std::chars_format::general, 6);
    digits_size_ = static_cast<unsigned char>(written.ptr - digits_);
  }
  std::string_view text() const { return digits_size_ ? std::string_view(digits_, digits_size_) : text_; }

 private:
  std::string_view text_;
  char digits_[24];
  unsigned char digits_size_ = 0;
};

/// The pieces joined. Out of line and cold: at a throw site, a message costs one call instead
/// of an inlined chain of string concatenations.
[[gnu::noinline, gnu::cold]] inline std::string message(std::initializer_list<message_part> parts) {
  std::size_t size = 0;
  for (const auto& p : parts) size += p.text().size();
  std::string out;
  out.reserve(size);
  for (const auto& p : parts) out += p.text();
  return out;
}

/// Throws `E` with the pieces joined (the throw is out of line too).
template <class E>
[[noreturn, gnu::noinline, gnu::cold]] void fail(std::initializer_list<message_part> parts) {
  throw E(message(parts));
}

}  // namespace detail

}  // namespace staticflow
#endif  // STATICFLOW_CORE_ERROR_HPP
