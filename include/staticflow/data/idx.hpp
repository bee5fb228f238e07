// SPDX-License-Identifier: MIT
/// \file
/// \brief Reader for IDX files (the MNIST container format), plain or gzip-compressed.
///
/// An IDX file is a 4-byte magic `0x00 0x00 <dtype code> <ndims>`, then `ndims`
/// big-endian uint32 extents, then the elements in row-major order, each
/// big-endian. gzip input is recognised by its `1f 8b` signature, never by the
/// file name, and needs zlib (the build defines SF_HAVE_ZLIB=1 when it links it).
#pragma once
#ifndef STATICFLOW_DATA_IDX_HPP
#define STATICFLOW_DATA_IDX_HPP

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "staticflow/config.hpp"
#include "staticflow/core/error.hpp"

#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
#include <zlib.h>
#endif

namespace staticflow::data {

/// Element type codes of the IDX format (the third magic byte).
enum class idx_dtype : std::uint8_t {
  uint8 = 0x08,
  int8 = 0x09,
  int16 = 0x0B,
  int32 = 0x0C,
  float32 = 0x0D,
  float64 = 0x0E,
};

/// True when `code` is one of the six dtype codes the format defines.
constexpr bool is_idx_dtype_code(std::uint8_t code) noexcept {
  return code == 0x08 || code == 0x09 || code == 0x0B || code == 0x0C || code == 0x0D || code == 0x0E;
}

/// Bytes per element of `t`.
constexpr std::size_t element_size(idx_dtype t) noexcept {
  switch (t) {
    case idx_dtype::uint8:
    case idx_dtype::int8: return 1;
    case idx_dtype::int16: return 2;
    case idx_dtype::int32:
    case idx_dtype::float32: return 4;
    case idx_dtype::float64: return 8;
  }
  return 0;
}

/// Name of `t` as used in messages ("uint8", "float32", ...).
constexpr const char* to_string(idx_dtype t) noexcept {
  switch (t) {
    case idx_dtype::uint8: return "uint8";
    case idx_dtype::int8: return "int8";
    case idx_dtype::int16: return "int16";
    case idx_dtype::int32: return "int32";
    case idx_dtype::float32: return "float32";
    case idx_dtype::float64: return "float64";
  }
  return "unknown";
}

/// The IDX dtype that stores C++ type `T` (uint8_t, int8_t, int16_t, int32_t, float, double).
template <class T>
constexpr idx_dtype idx_dtype_of() noexcept {
  static_assert(std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::int8_t> ||
                    std::is_same_v<T, std::int16_t> || std::is_same_v<T, std::int32_t> ||
                    std::is_same_v<T, float> || std::is_same_v<T, double>,
                "staticflow::data::idx_dtype_of<T>: IDX stores only uint8_t, int8_t, int16_t, int32_t, float, double");
  if constexpr (std::is_same_v<T, std::uint8_t>) return idx_dtype::uint8;
  else if constexpr (std::is_same_v<T, std::int8_t>) return idx_dtype::int8;
  else if constexpr (std::is_same_v<T, std::int16_t>) return idx_dtype::int16;
  else if constexpr (std::is_same_v<T, std::int32_t>) return idx_dtype::int32;
  else if constexpr (std::is_same_v<T, float>) return idx_dtype::float32;
  else return idx_dtype::float64;
}

/// The contents of one IDX file.
///
/// `bytes` holds the elements in row-major order and in the host's byte order
/// (multi-byte elements are swapped from the file's big-endian order on load),
/// so `bytes.size() == num_elements() * element_size(dtype)`.
struct idx_array {
  std::vector<std::uint32_t> dims;
  idx_dtype dtype = idx_dtype::uint8;
  std::vector<std::uint8_t> bytes;

  /// Product of `dims` (1 for no dims, which read_idx never returns).
  std::uint64_t num_elements() const noexcept {
    std::uint64_t n = 1;
    for (std::uint32_t d : dims) n *= d;  // read_idx has already ruled out overflow
    return n;
  }

  /// The elements as `T`. **Errors**: invalid_argument when `T` does not match `dtype`.
  template <class T>
  std::vector<T> values() const {
    if (idx_dtype_of<T>() != dtype) {
      staticflow::detail::fail<invalid_argument>({"staticflow::data::idx_array::values<T>: the array holds ",
                                                  to_string(dtype), ", not ", to_string(idx_dtype_of<T>())});
    }
    std::vector<T> out(bytes.size() / sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
    return out;
  }
};

/// What the caller of read_idx needs a file to be. The magic is checked against it before the
/// dimensions are read, so a file of the wrong kind (images where labels belong, say) is reported
/// as such, not as a size mismatch computed from dimensions that are really pixel data.
struct idx_expectation {
  const char* role = nullptr;          ///< what the file is for ("labels", "images"), used in messages
  std::size_t rank = 0;                ///< number of dimensions required (0: any)
  std::optional<idx_dtype> dtype = {};  ///< element type required (none: any)
};

namespace detail {

/// "1 dimension", "3 dimensions".
inline std::string dimensions_phrase(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " dimension" : " dimensions");
}

/// Two hex digits, for messages that show raw bytes.
inline std::string hex_byte(std::uint8_t b) {
  static constexpr char digits[] = "0123456789abcdef";
  return std::string("0x") + digits[b >> 4] + digits[b & 0xF];
}

inline std::string idx_where(const std::filesystem::path& path) {
  return "staticflow::data::read_idx: '" + path.string() + "': ";
}

/// Sequential byte reader over a plain or gzip file, chosen by the file's first two bytes.
class idx_source {
 public:
  explicit idx_source(const std::filesystem::path& path) : path_(path) {
    file_.reset(std::fopen(path.string().c_str(), "rb"));
    if (!file_) staticflow::detail::fail<not_found>({idx_where(path), "cannot be opened for reading"});
    unsigned char sig[2] = {0, 0};
    const std::size_t got = std::fread(sig, 1, 2, file_.get());
    gzip_ = got == 2 && sig[0] == 0x1f && sig[1] == 0x8b;
    if (gzip_) {
      file_.reset();
      open_gzip();
    } else {
      std::rewind(file_.get());
    }
  }

  bool is_gzip() const noexcept { return gzip_; }

  /// Reads up to `n` bytes; fewer only at the end of the (decompressed) data.
  std::size_t read(void* dst, std::size_t n) { return gzip_ ? read_gzip(dst, n) : std::fread(dst, 1, n, file_.get()); }

  /// Counts (and discards) everything left, so a message can state the true size.
  std::uint64_t skip_rest() {
    std::vector<unsigned char> scratch(1 << 16);
    std::uint64_t total = 0;
    for (std::size_t got; (got = read(scratch.data(), scratch.size())) > 0;) total += got;
    return total;
  }

 private:
  struct file_closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };

#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
  struct gz_closer {
    void operator()(gzFile_s* f) const noexcept { gzclose(f); }
  };
  std::unique_ptr<gzFile_s, gz_closer> gz_;

  void open_gzip() {
    gz_.reset(gzopen(path_.string().c_str(), "rb"));
    if (!gz_) staticflow::detail::fail<not_found>({idx_where(path_), "cannot be opened for reading (gzip)"});
  }

  std::size_t read_gzip(void* dst, std::size_t n) {
    auto* out = static_cast<unsigned char*>(dst);
    std::size_t done = 0;
    while (done < n) {
      // gzread takes an unsigned count and returns int, so go in chunks well below INT_MAX.
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, std::size_t{1} << 30));
      const int got = gzread(gz_.get(), out + done, chunk);
      if (got < 0) staticflow::detail::fail<data_loss>({idx_where(path_), "corrupt gzip data (", gz_message(), ")"});
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

  std::string gz_message() {
    int code = Z_OK;
    const char* msg = gzerror(gz_.get(), &code);
    return msg && *msg ? msg : "zlib error " + std::to_string(code);
  }
#else
  [[noreturn]] void open_gzip() {
    staticflow::detail::fail<unimplemented>(
        {idx_where(path_), "is gzip-compressed, but staticflow was built without zlib; install zlib (e.g. zlib1g-dev) "
                           "and rebuild with SF_HAVE_ZLIB=1, or gunzip the file"});
  }
  std::size_t read_gzip(void*, std::size_t) { return 0; }
#endif

  std::filesystem::path path_;
  std::unique_ptr<std::FILE, file_closer> file_;
  bool gzip_ = false;
};

/// Big-endian uint32 at `p`.
inline std::uint32_t load_be32(const unsigned char* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

/// Reverses each `width`-byte element of `bytes` (big-endian file order -> host order).
inline void swap_elements(std::vector<std::uint8_t>& bytes, std::size_t width) noexcept {
  if constexpr (std::endian::native == std::endian::big) return;
  if (width < 2) return;
  for (std::size_t i = 0; i + width <= bytes.size(); i += width) {
    for (std::size_t a = i, b = i + width - 1; a < b; ++a, --b) std::swap(bytes[a], bytes[b]);
  }
}

inline std::string magic_bytes(const unsigned char* m) {
  return hex_byte(m[0]) + " " + hex_byte(m[1]) + " " + hex_byte(m[2]) + " " + hex_byte(m[3]);
}

/// Validates the magic against the format and `expect`, and returns the dtype it declares.
inline idx_dtype check_magic(const std::filesystem::path& path, const unsigned char* m,
                             const idx_expectation& expect) {
  if (m[0] != 0 || m[1] != 0) {
    staticflow::detail::fail<data_loss>({idx_where(path), "not an IDX file: magic bytes are ", hex_byte(m[0]), " ",
                                         hex_byte(m[1]), " ", hex_byte(m[2]), " ", hex_byte(m[3]),
                                         ", expected 0x00 0x00 <dtype> <ndims>"});
  }
  if (!is_idx_dtype_code(m[2])) {
    staticflow::detail::fail<data_loss>(
        {idx_where(path), "unknown IDX dtype code ", hex_byte(m[2]),
         " (known: 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)"});
  }
  // "not a labels file", "not an images file", "not the expected file".
  const char* role = expect.role ? expect.role : "the expected";
  const char* article = !expect.role ? "" : std::strchr("aeiouAEIOU", expect.role[0]) && expect.role[0] ? "an " : "a ";
  if (expect.rank != 0 && m[3] != expect.rank) {
    staticflow::detail::fail<data_loss>({idx_where(path), "not ", article, role, " file (rank ",
                                         m[3], ", expected ", expect.rank, "): its magic ", magic_bytes(m),
                                         " declares ", to_string(static_cast<idx_dtype>(m[2])), " with ",
                                         dimensions_phrase(m[3])});
  }
  if (expect.dtype && m[2] != static_cast<std::uint8_t>(*expect.dtype)) {
    staticflow::detail::fail<data_loss>({idx_where(path), "not ", article, role, " file (dtype ",
                                         to_string(static_cast<idx_dtype>(m[2])), ", expected ",
                                         to_string(*expect.dtype), "): its magic ", magic_bytes(m), " declares ",
                                         to_string(static_cast<idx_dtype>(m[2])), " with ", dimensions_phrase(m[3])});
  }
  if (m[3] < 1 || m[3] > 4) {
    staticflow::detail::fail<data_loss>({idx_where(path), "IDX header declares ", dimensions_phrase(m[3]),
                                         "; expected 1 to 4"});
  }
  return static_cast<idx_dtype>(m[2]);
}

/// Header plus data size in bytes implied by the header; data_loss if it does not fit in 64 bits.
inline std::uint64_t idx_total_bytes(const std::filesystem::path& path, const std::vector<std::uint32_t>& dims,
                                     idx_dtype dtype) {
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t n = element_size(dtype);
  std::string shape;
  for (std::uint32_t d : dims) shape += (shape.empty() ? "" : " x ") + std::to_string(d);
  for (std::uint32_t d : dims) {
    if (d != 0 && n > max / d) staticflow::detail::fail<data_loss>({idx_where(path), "absurd IDX dimensions ", shape,
                                                                    " (overflow)"});
    n *= d;
  }
  const std::uint64_t header = 4 + 4 * std::uint64_t{dims.size()};
  if (n > max - header) staticflow::detail::fail<data_loss>({idx_where(path), "absurd IDX dimensions ", shape,
                                                             " (overflow)"});
  return header + n;
}

[[noreturn]] inline void throw_size_mismatch(const std::filesystem::path& path, std::uint64_t expected,
                                             std::uint64_t actual, bool gzip) {
  staticflow::detail::fail<data_loss>({idx_where(path), "header says ", expected, " bytes, ",
                                       (gzip ? "decompressed file has " : "file has "), actual,
                                       (actual < expected ? " (truncated?)" : " (trailing data?)")});
}

/// Reads exactly `count` data bytes, growing the buffer as data arrives so that
/// a corrupt header cannot make us allocate more than the file really holds.
inline std::vector<std::uint8_t> read_payload(idx_source& src, const std::filesystem::path& path,
                                              std::uint64_t header, std::uint64_t count) {
  constexpr std::uint64_t first_step = std::uint64_t{1} << 20;
  std::vector<std::uint8_t> out;
  std::uint64_t done = 0;
  while (done < count) {
    // Double the buffer each round: O(log) reallocations, never far beyond the data seen.
    const std::uint64_t want = std::min(std::max(first_step, done), count - done);
    out.resize(static_cast<std::size_t>(done + want));
    const std::size_t got = src.read(out.data() + done, static_cast<std::size_t>(want));
    done += got;
    if (got < want) throw_size_mismatch(path, header + count, header + done, src.is_gzip());
  }
  return out;
}

}  // namespace detail

/// Reads the IDX file at `path` (plain, or gzip detected by its 1f 8b signature), which must
/// meet `expect` (default: any rank and dtype).
///
/// **Errors**:
/// - not_found: `path` does not exist, is a directory, or cannot be opened (the message says which);
/// - data_loss: bad magic (the bytes found are shown), unknown dtype code, a rank or dtype other
///   than `expect` asks for ("not a labels file (rank 3, expected 1)"), ndims not in 1..4,
///   dimensions whose byte size overflows 64 bits, corrupt gzip data, or a file whose size
///   differs from what the header implies (both byte counts are shown);
/// - unimplemented: the file is gzip-compressed and the build has no zlib.
inline idx_array read_idx(const std::filesystem::path& path, const idx_expectation& expect = {}) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) staticflow::detail::fail<not_found>({
      detail::idx_where(path), "no such file"});
  if (std::filesystem::is_directory(path, ec)) staticflow::detail::fail<not_found>({
      detail::idx_where(path), "is a directory, not an IDX file"});

  detail::idx_source src(path);
  unsigned char magic[4] = {0, 0, 0, 0};
  const std::size_t got_magic = src.read(magic, 4);
  if (got_magic < 4) {
    staticflow::detail::fail<data_loss>({detail::idx_where(path), "file has ", got_magic,
                                         " bytes, too short for the 4-byte IDX magic"});
  }
  idx_array out;
  out.dtype = detail::check_magic(path, magic, expect);

  const std::size_t ndims = magic[3];
  std::array<unsigned char, 16> raw_dims{};
  const std::size_t got_dims = src.read(raw_dims.data(), 4 * ndims);
  if (got_dims < 4 * ndims) {
    staticflow::detail::fail<data_loss>({detail::idx_where(path), "header is truncated: ",
                                         detail::dimensions_phrase(ndims), " need ",
                                         4 + 4 * ndims, " bytes, file has ", 4 + got_dims});
  }
  for (std::size_t i = 0; i < ndims; ++i) out.dims.push_back(detail::load_be32(raw_dims.data() + 4 * i));

  const std::uint64_t header = 4 + 4 * std::uint64_t{ndims};
  const std::uint64_t total = detail::idx_total_bytes(path, out.dims, out.dtype);
  if (!src.is_gzip()) {
    // Compare sizes before allocating anything, so absurd headers fail fast.
    const std::uint64_t file_size = std::filesystem::file_size(path, ec);
    if (!ec && file_size != total) detail::throw_size_mismatch(path, total, file_size, false);
  }
  out.bytes = detail::read_payload(src, path, header, total - header);
  if (const std::uint64_t extra = src.skip_rest(); extra > 0) {
    detail::throw_size_mismatch(path, total, total + extra, src.is_gzip());
  }
  detail::swap_elements(out.bytes, element_size(out.dtype));
  return out;
}

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_IDX_HPP
