// SPDX-License-Identifier: MIT
/// \file
/// \brief CRC32C (Castagnoli), as TFRecord framing uses it, and TensorFlow's CRC mask.
///
/// On x86-64 the SSE4.2 `crc32` instruction is used when the processor has it (checked once at
/// run time, so the default build flags get it too), with long runs folded by carry-less
/// multiplication (PCLMULQDQ) first; elsewhere, and as the reference, a slicing-by-8 table. All
/// give the same values; the tests compare them.
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
#include <wmmintrin.h>
#include <smmintrin.h>
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

/// `reflect64(x^n mod P)`: the remainder's coefficient of x^d at bit 63 - d (the bit order of
/// data words), as the carry-less multiplications of crc32c_fold_raw take their constants.
constexpr std::uint64_t crc32c_fold_constant(unsigned n) noexcept {
  constexpr std::uint64_t poly = 0x11EDC6F41u;  // P, unreflected, with its x^32 term
  std::uint64_t r = 1;                          // x^0
  for (unsigned i = 0; i < n; ++i) {
    r <<= 1;
    if (r & (std::uint64_t{1} << 32)) r ^= poly;
  }
  std::uint64_t out = 0;
  for (unsigned d = 0; d < 32; ++d)
    if (r & (std::uint64_t{1} << d)) out |= std::uint64_t{1} << (63 - d);
  return out;
}

/// The two constants that move a 16-byte lane `16 * lanes` bytes on: a lane X = W0 x^64 + W1
/// (W0 its first 8 bytes) becomes W0 (x^(128 lanes + 64) mod P) + W1 (x^(128 lanes) mod P),
/// which leaves the CRC unchanged. Each is x^(n - 1): the product of two 64-bit operands in data
/// bit order comes out one place short of the 128-bit data bit order, and the factor x restores it.
template <unsigned lanes>
inline constexpr std::uint64_t crc32c_fold_lo = crc32c_fold_constant(128 * lanes + 63);
template <unsigned lanes>
inline constexpr std::uint64_t crc32c_fold_hi = crc32c_fold_constant(128 * lanes - 1);

template <unsigned lanes>
__attribute__((target("sse4.2,pclmul"))) inline __m128i crc32c_fold(__m128i x) noexcept {
  const __m128i k = _mm_set_epi64x(static_cast<long long>(crc32c_fold_hi<lanes>), static_cast<long long>(crc32c_fold_lo<lanes>));
  return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

/// The register advanced over the first `n / 64 * 64` bytes (n >= 128) by carry-less folding:
/// four 16-byte lanes, each moved 64 bytes on and added to the data there, then folded into one
/// lane whose 16 bytes the crc32 instruction finishes. Several multiplications start per cycle,
/// where the crc32 instruction, on some processors, starts one every three. Advances `p` and `n`.
__attribute__((target("sse4.2,pclmul"))) inline std::uint32_t crc32c_fold_raw(std::uint32_t c, const unsigned char*& p,
                                                                               std::size_t& n) noexcept {
  const auto load = [](const unsigned char* q) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q)); };
  // The register enters as the first 32 data bits: R(c, S) = R(0, S with c added to its first word).
  __m128i x0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(c)));
  __m128i x1 = load(p + 16), x2 = load(p + 32), x3 = load(p + 48);
  for (p += 64, n -= 64; n >= 64; p += 64, n -= 64) {
    x0 = _mm_xor_si128(crc32c_fold<4>(x0), load(p));
    x1 = _mm_xor_si128(crc32c_fold<4>(x1), load(p + 16));
    x2 = _mm_xor_si128(crc32c_fold<4>(x2), load(p + 32));
    x3 = _mm_xor_si128(crc32c_fold<4>(x3), load(p + 48));
  }
  const __m128i x = _mm_xor_si128(_mm_xor_si128(crc32c_fold<3>(x0), crc32c_fold<2>(x1)), _mm_xor_si128(crc32c_fold<1>(x2), x3));
  std::uint64_t c64 = _mm_crc32_u64(0, static_cast<std::uint64_t>(_mm_cvtsi128_si64(x)));
  c64 = _mm_crc32_u64(c64, static_cast<std::uint64_t>(_mm_extract_epi64(x, 1)));
  return static_cast<std::uint32_t>(c64);
}

/// Whether this processor has SSE4.2, carry-less multiplication, and its 512-bit form; asked once.
inline bool crc32c_cpu_has_sse42() noexcept {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return has;
}
inline bool crc32c_cpu_has_pclmul() noexcept {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("pclmul") != 0;
  }();
  return has;
}
inline bool crc32c_cpu_has_vpclmul() noexcept {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq");
  }();
  return has;
}
/// Four 16-byte lanes in one 64-byte register. A vector type and the compiler's builtin rather
/// than <immintrin.h>'s names: that header added 58 MB (18 %) to the compiler's memory for
/// every program including staticflow.hpp.
using crc32c_v8 = long long __attribute__((vector_size(64)));
/// crc32c_fold on the four lanes of a 64-byte register at once (VPCLMULQDQ).
template <unsigned lanes>
__attribute__((target("avx512f,vpclmulqdq"), always_inline)) inline crc32c_v8 crc32c_fold4(crc32c_v8 x) noexcept {
  constexpr auto hi = static_cast<long long>(crc32c_fold_hi<lanes>), lo = static_cast<long long>(crc32c_fold_lo<lanes>);
  const crc32c_v8 k = {lo, hi, lo, hi, lo, hi, lo, hi};
#if defined(__clang__)
  return __builtin_ia32_pclmulqdq512(x, k, 0x00) ^ __builtin_ia32_pclmulqdq512(x, k, 0x11);
#else
  return __builtin_ia32_vpclmulqdq_v8di(x, k, 0x00) ^ __builtin_ia32_vpclmulqdq_v8di(x, k, 0x11);
#endif
}
__attribute__((target("avx512f"), always_inline)) inline crc32c_v8 crc32c_load4(const unsigned char* p) noexcept {
  crc32c_v8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
/// crc32c_fold_raw with sixteen lanes in four 64-byte registers, 256 bytes a step, over the
/// first `n / 256 * 256` bytes (n >= 256): four times the multiplications per instruction, which
/// is what a 1.6 MB checkpoint restore spent half its time on. The lanes fold into one at the
/// end, each moved on by the lanes after it. Advances `p` and `n`.
__attribute__((target("sse4.2,pclmul,avx512f,vpclmulqdq"))) inline std::uint32_t crc32c_fold512_raw(
    std::uint32_t c, const unsigned char*& p, std::size_t& n) noexcept {
  crc32c_v8 x0 = crc32c_load4(p), x1 = crc32c_load4(p + 64), x2 = crc32c_load4(p + 128), x3 = crc32c_load4(p + 192);
  x0[0] ^= static_cast<long long>(c);  // the register enters as the first 32 data bits
  for (p += 256, n -= 256; n >= 256; p += 256, n -= 256) {
    x0 = crc32c_fold4<16>(x0) ^ crc32c_load4(p);
    x1 = crc32c_fold4<16>(x1) ^ crc32c_load4(p + 64);
    x2 = crc32c_fold4<16>(x2) ^ crc32c_load4(p + 128);
    x3 = crc32c_fold4<16>(x3) ^ crc32c_load4(p + 192);
  }
  const crc32c_v8 y = crc32c_fold4<12>(x0) ^ crc32c_fold4<8>(x1) ^ crc32c_fold4<4>(x2) ^ x3;
  __m128i lane[4];
  std::memcpy(lane, &y, sizeof y);
  const __m128i x = _mm_xor_si128(_mm_xor_si128(crc32c_fold<3>(lane[0]), crc32c_fold<2>(lane[1])),
                                  _mm_xor_si128(crc32c_fold<1>(lane[2]), lane[3]));
  std::uint64_t c64 = _mm_crc32_u64(0, static_cast<std::uint64_t>(_mm_cvtsi128_si64(x)));
  c64 = _mm_crc32_u64(c64, static_cast<std::uint64_t>(_mm_extract_epi64(x, 1)));
  return static_cast<std::uint32_t>(c64);
}
/// The register advanced over `n` bytes: runs of 128 bytes or more by folding when the
/// processor multiplies carry-less (runs of 1 KiB or more 64 bytes per instruction when it has
/// VPCLMULQDQ), the rest with the crc32 instruction.
__attribute__((target("sse4.2,pclmul"))) inline std::uint32_t crc32c_sse42_raw(std::uint32_t c, const unsigned char* p,
                                                                                std::size_t n, bool pclmul) noexcept {
  if (pclmul && n >= 1024 && crc32c_cpu_has_vpclmul()) c = crc32c_fold512_raw(c, p, n);
  if (pclmul && n >= 128) c = crc32c_fold_raw(c, p, n);
  c = static_cast<std::uint32_t>(crc32c_sse42_chain(c, p, n));
  p += n & ~std::size_t{7};
  for (n &= 7; n > 0; --n, ++p) c = _mm_crc32_u8(c, *p);
  return c;
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
  if (detail::crc32c_cpu_has_sse42()) return ~detail::crc32c_sse42_raw(~crc, p, n, detail::crc32c_cpu_has_pclmul());
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
