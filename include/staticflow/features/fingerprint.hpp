// SPDX-License-Identifier: MIT
/// \file
/// \brief TensorFlow's string hashing: `fingerprint64` (FarmHash's Fingerprint64, the
/// `farmhashna` 64-bit hash), `fingerprint_cat64` (how TF combines fingerprints when it crosses
/// features) and `to_hash_bucket_fast` (`tf.strings.to_hash_bucket_fast`), so a string lands in
/// the same hash bucket, vocabulary OOV bucket or feature cross as it does in TensorFlow.
///
/// Fingerprint64 is a published, frozen function ("fingerprint": its values never change between
/// versions or machines); the algorithm below follows its specification: strings of up to 16, 32
/// and 64 bytes each have their own mixing, longer ones run 64-byte blocks through two 128-bit
/// states. All loads are little-endian (x86-64, AArch64), as FarmHash's on these machines.
#pragma once
#ifndef STATICFLOW_FEATURES_FINGERPRINT_HPP
#define STATICFLOW_FEATURES_FINGERPRINT_HPP

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

namespace staticflow::features {

namespace detail {

inline constexpr std::uint64_t k0 = 0xc3a5c85c97cb3127ULL;
inline constexpr std::uint64_t k1 = 0xb492b66fbe98f273ULL;
inline constexpr std::uint64_t k2 = 0x9ae16a3b2f90404fULL;

inline std::uint64_t load64(const char* p) {
  static_assert(std::endian::native == std::endian::little, "staticflow::features: fingerprints assume little-endian loads");
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline std::uint64_t load32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline std::uint64_t shift_mix(std::uint64_t v) { return v ^ (v >> 47); }

inline std::uint64_t hash_len16(std::uint64_t u, std::uint64_t v, std::uint64_t mul) {
  std::uint64_t a = (u ^ v) * mul;
  a ^= a >> 47;
  std::uint64_t b = (v ^ a) * mul;
  b ^= b >> 47;
  return b * mul;
}

inline std::uint64_t hash_0_to_16(const char* s, std::size_t len) {
  if (len >= 8) {
    const std::uint64_t mul = k2 + len * 2, a = load64(s) + k2, b = load64(s + len - 8);
    const std::uint64_t c = std::rotr(b, 37) * mul + a, d = (std::rotr(a, 25) + b) * mul;
    return hash_len16(c, d, mul);
  }
  if (len >= 4) {
    const std::uint64_t mul = k2 + len * 2;
    return hash_len16(len + (load32(s) << 3), load32(s + len - 4), mul);
  }
  if (len > 0) {
    const std::uint64_t a = static_cast<unsigned char>(s[0]), b = static_cast<unsigned char>(s[len >> 1]),
                        c = static_cast<unsigned char>(s[len - 1]);
    const auto y = static_cast<std::uint32_t>(a + (b << 8)), z = static_cast<std::uint32_t>(len + (c << 2));
    return shift_mix(y * k2 ^ z * k0) * k2;
  }
  return k2;
}

inline std::uint64_t hash_17_to_32(const char* s, std::size_t len) {
  const std::uint64_t mul = k2 + len * 2, a = load64(s) * k1, b = load64(s + 8);
  const std::uint64_t c = load64(s + len - 8) * mul, d = load64(s + len - 16) * k2;
  return hash_len16(std::rotr(a + b, 43) + std::rotr(c, 30) + d, a + std::rotr(b + k2, 18) + c, mul);
}

inline std::uint64_t hash_33_to_64(const char* s, std::size_t len) {
  const std::uint64_t mul = k2 + len * 2, a = load64(s) * k2, b = load64(s + 8);
  const std::uint64_t c = load64(s + len - 8) * mul, d = load64(s + len - 16) * k2;
  const std::uint64_t y = std::rotr(a + b, 43) + std::rotr(c, 30) + d;
  const std::uint64_t z = hash_len16(y, a + std::rotr(b + k2, 18) + c, mul);
  const std::uint64_t e = load64(s + 16) * mul, f = load64(s + 24);
  const std::uint64_t g = (y + load64(s + len - 32)) * mul, h = (z + load64(s + len - 24)) * mul;
  return hash_len16(std::rotr(e + f, 43) + std::rotr(g, 30) + h, e + std::rotr(f + a, 18) + g, mul);
}

using pair64 = std::pair<std::uint64_t, std::uint64_t>;

/// 32 bytes at `s` mixed into the seeds (a, b).
inline pair64 weak_hash32(const char* s, std::uint64_t a, std::uint64_t b) {
  const std::uint64_t w = load64(s), x = load64(s + 8), y = load64(s + 16), z = load64(s + 24);
  a += w;
  b = std::rotr(b + a + z, 21);
  const std::uint64_t c = a;
  a += x;
  a += y;
  b += std::rotr(a, 44);
  return {a + z, b + c};
}

inline std::uint64_t hash_long(const char* s, std::size_t len) {
  constexpr std::uint64_t seed = 81;
  std::uint64_t x = seed, y = seed * k1 + 113, z = shift_mix(y * k2 + 113) * k2;
  pair64 v{0, 0}, w{0, 0};
  x = x * k2 + load64(s);
  const char* const end = s + ((len - 1) / 64) * 64;
  const char* const last64 = end + ((len - 1) & 63) - 63;
  // One 64-byte block into the states; the last block (which may overlap the one before) uses
  // its own multiplier and the length.
  const auto block = [&](const char* p, std::uint64_t mul, std::uint64_t times) {
    x = std::rotr(x + y + v.first + load64(p + 8), 37) * mul;
    y = std::rotr(y + v.second + load64(p + 48), 42) * mul;
    x ^= w.second * times;
    y += v.first * times + load64(p + 40);
    z = std::rotr(z + w.first, 33) * mul;
    v = weak_hash32(p, v.second * mul, x + w.first);
    w = weak_hash32(p + 32, z + w.second, y + load64(p + 16));
    std::swap(z, x);
  };
  do {
    block(s, k1, 1);
    s += 64;
  } while (s != end);
  const std::uint64_t mul = k1 + ((z & 0xff) << 1);
  w.first += (len - 1) & 63;
  v.first += w.first;
  w.first += v.first;
  block(last64, mul, 9);
  return hash_len16(hash_len16(v.first, w.first, mul) + shift_mix(y) * k0 + z,
                    hash_len16(v.second, w.second, mul) + x, mul);
}

}  // namespace detail

/// FarmHash's Fingerprint64 of the bytes of `s` (TF's `Fingerprint64`).
inline std::uint64_t fingerprint64(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  if (n <= 16) return detail::hash_0_to_16(p, n);
  if (n <= 32) return detail::hash_17_to_32(p, n);
  if (n <= 64) return detail::hash_33_to_64(p, n);
  return detail::hash_long(p, n);
}

/// TF's `FingerprintCat64(fp1, fp2)`: two fingerprints combined, order mattering (feature crosses).
inline std::uint64_t fingerprint_cat64(std::uint64_t fp1, std::uint64_t fp2) {
  constexpr std::uint64_t mul = 0xc6a4a7935bd1e995ULL;
  std::uint64_t r = fp1 ^ mul;
  r ^= detail::shift_mix(fp2 * mul) * mul;
  r *= mul;
  r = detail::shift_mix(r) * mul;
  return detail::shift_mix(r);
}

/// `tf.strings.to_hash_bucket_fast(s, buckets)`: Fingerprint64 modulo the bucket count.
inline std::int64_t to_hash_bucket_fast(std::string_view s, std::uint64_t buckets) {
  return static_cast<std::int64_t>(fingerprint64(s) % buckets);
}

}  // namespace staticflow::features
#endif  // STATICFLOW_FEATURES_FINGERPRINT_HPP
