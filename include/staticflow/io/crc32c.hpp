// SPDX-License-Identifier: MIT
/// \file
/// \brief CRC32C (Castagnoli), as TFRecord framing uses it, and TensorFlow's CRC mask.
///
/// On x86-64 the SSE4.2 `crc32` instruction is used when the processor has it (checked once at
/// run time, so the default build flags get it too); elsewhere, and as the reference, a
/// slicing-by-8 table. Both give the same values; the tests compare them.
#pragma once
#ifndef STATICFLOW_IO_CRC32C_HPP
#define STATICFLOW_IO_CRC32C_HPP

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__)
#define SF_CRC32C_SSE42 1
#include <nmmintrin.h>
#else
#define SF_CRC32C_SSE42 0
#endif

namespace staticflow::io {

namespace detail {

/// The Castagnoli polynomial 0x1EDC6F41, bit-reversed (CRC32C processes bits LSB first).
inline constexpr std::uint32_t crc32c_poly = 0x82F63B78u;

/// Slicing-by-8 tables: `t[0]` is the classic byte table; `t[k][b]` is the CRC of byte `b`
/// followed by `k` zero bytes, so eight table lookups advance the CRC by eight bytes at once.
inline constexpr auto crc32c_tables = [] {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1u) ? crc32c_poly : 0u);
    t[0][b] = c;
  }
  for (std::size_t k = 1; k < 8; ++k)
    for (std::uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
  return t;
}();

/// Little-endian 64-bit load from any address (memcpy: no alignment assumption).
inline std::uint64_t load_le64(const unsigned char* p) noexcept {
  std::uint64_t v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, 8);
  } else {
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  }
  return v;
}

/// The running (inverted) register advanced over `n` bytes with the tables.
inline std::uint32_t crc32c_portable_raw(std::uint32_t c, const unsigned char* p, std::size_t n) noexcept {
  const auto& t = crc32c_tables;
  for (; n >= 8; n -= 8, p += 8) {
    const std::uint64_t w = load_le64(p) ^ c;
    c = t[7][w & 0xFF] ^ t[6][(w >> 8) & 0xFF] ^ t[5][(w >> 16) & 0xFF] ^ t[4][(w >> 24) & 0xFF] ^
        t[3][(w >> 32) & 0xFF] ^ t[2][(w >> 40) & 0xFF] ^ t[1][(w >> 48) & 0xFF] ^ t[0][w >> 56];
  }
  for (; n > 0; --n, ++p) c = (c >> 8) ^ t[0][(c ^ *p) & 0xFFu];
  return c;
}

#if SF_CRC32C_SSE42
/// The register advanced over `n` bytes with the SSE4.2 instruction, eight bytes per step, on one
/// dependency chain. The target attribute lets these functions use the instruction while the
/// rest of the program keeps the default flags.
__attribute__((target("sse4.2"))) inline std::uint64_t crc32c_sse42_chain(std::uint64_t c, const unsigned char* p,
                                                                          std::size_t n) noexcept {
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
  }
  return c;
}

/// `shift(c)`: the register `c` advanced over `Block` zero bytes, as four byte-indexed tables
/// (the map is linear over GF(2), so it is the XOR of its values on the four bytes of `c`).
/// Built on first use from the instruction itself: 1024 runs over `Block` zeros.
template <std::size_t Block>
struct crc32c_shift {
  std::array<std::array<std::uint32_t, 256>, 4> t{};
  __attribute__((target("sse4.2"))) crc32c_shift() noexcept {
    static constexpr unsigned char zeros[Block] = {};
    for (std::size_t k = 0; k < 4; ++k)
      for (std::uint32_t b = 0; b < 256; ++b)
        t[k][b] = static_cast<std::uint32_t>(crc32c_sse42_chain(std::uint64_t{b} << (8 * k), zeros, Block));
  }
  std::uint32_t operator()(std::uint32_t c) const noexcept {
    return t[0][c & 0xFF] ^ t[1][(c >> 8) & 0xFF] ^ t[2][(c >> 16) & 0xFF] ^ t[3][c >> 24];
  }
  static const crc32c_shift& get() noexcept {
    static const crc32c_shift s;
    return s;
  }
};

/// The register advanced over `n` bytes, `Block`-byte thirds of each `3 * Block` bytes on three
/// independent chains: the instruction takes 3 cycles but starts one per cycle, so three chains
/// run about three times as fast as one. For the raw register R (no inversions) of bytes A B C,
/// R(c, A B C) = shift(shift(R(c, A)) ^ R(0, B)) ^ R(0, C), with `shift` over `Block` zeros.
template <std::size_t Block>
__attribute__((target("sse4.2"))) inline std::uint32_t crc32c_sse42_3way(std::uint32_t c, const unsigned char*& p,
                                                                         std::size_t& n) noexcept {
  if (n < 3 * Block) return c;
  const auto& shift = crc32c_shift<Block>::get();
  for (; n >= 3 * Block; n -= 3 * Block, p += 3 * Block) {
    std::uint64_t a = c, b = 0, d = 0;
    for (std::size_t i = 0; i < Block; i += 8) {
      std::uint64_t wa, wb, wd;
      std::memcpy(&wa, p + i, 8);
      std::memcpy(&wb, p + Block + i, 8);
      std::memcpy(&wd, p + 2 * Block + i, 8);
      a = _mm_crc32_u64(a, wa);
      b = _mm_crc32_u64(b, wb);
      d = _mm_crc32_u64(d, wd);
    }
    c = shift(shift(static_cast<std::uint32_t>(a)) ^ static_cast<std::uint32_t>(b)) ^ static_cast<std::uint32_t>(d);
  }
  return c;
}

/// The register advanced over `n` bytes with the SSE4.2 instruction: long runs on three chains
/// (4 KiB thirds, then 256-byte thirds, which covers records of a few hundred bytes), the rest on one.
__attribute__((target("sse4.2"))) inline std::uint32_t crc32c_sse42_raw(std::uint32_t c, const unsigned char* p,
                                                                        std::size_t n) noexcept {
  c = crc32c_sse42_3way<4096>(c, p, n);
  c = crc32c_sse42_3way<256>(c, p, n);
  c = static_cast<std::uint32_t>(crc32c_sse42_chain(c, p, n));
  p += n & ~std::size_t{7};
  for (n &= 7; n > 0; --n, ++p) c = _mm_crc32_u8(c, *p);
  return c;
}

/// Whether this processor has SSE4.2; asked once.
inline bool crc32c_cpu_has_sse42() noexcept {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return has;
}
#endif

}  // namespace detail

/// True when crc32c() uses the processor's CRC32C instruction on this machine.
inline bool crc32c_hardware_available() noexcept {
#if SF_CRC32C_SSE42
  return detail::crc32c_cpu_has_sse42();
#else
  return false;
#endif
}

/// The CRC32C of the bytes that gave `crc` followed by `data[0, n)`: `crc32c_extend(crc32c(a), b)
/// == crc32c(a + b)`. Start from 0 for a fresh CRC.
inline std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
#if SF_CRC32C_SSE42
  if (detail::crc32c_cpu_has_sse42()) return ~detail::crc32c_sse42_raw(~crc, p, n);
#endif
  return ~detail::crc32c_portable_raw(~crc, p, n);
}

/// The CRC32C of `data[0, n)`. **Example:** `crc32c("123456789", 9) == 0xE3069283`.
inline std::uint32_t crc32c(const void* data, std::size_t n) noexcept { return crc32c_extend(0, data, n); }

/// The CRC32C of a byte span.
inline std::uint32_t crc32c(std::span<const std::byte> bytes) noexcept { return crc32c(bytes.data(), bytes.size()); }

/// The table-only CRC32C, whatever the processor (the reference the fast path is tested against).
inline std::uint32_t crc32c_portable(const void* data, std::size_t n) noexcept {
  return ~detail::crc32c_portable_raw(~0u, static_cast<const unsigned char*>(data), n);
}

/// TensorFlow's masked CRC, stored in TFRecord files: a CRC of data that itself holds CRCs is
/// then not trivially related to them. Rotate right by 15, add a constant.
constexpr std::uint32_t crc32c_mask(std::uint32_t crc) noexcept { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

/// The inverse of crc32c_mask.
constexpr std::uint32_t crc32c_unmask(std::uint32_t masked) noexcept {
  const std::uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

/// The masked CRC32C of `data[0, n)`, as a TFRecord header or footer holds it.
inline std::uint32_t masked_crc32c(const void* data, std::size_t n) noexcept { return crc32c_mask(crc32c(data, n)); }

}  // namespace staticflow::io
#endif  // STATICFLOW_IO_CRC32C_HPP
