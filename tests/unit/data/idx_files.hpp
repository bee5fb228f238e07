// SPDX-License-Identifier: MIT
/// \file
/// \brief Test helpers: a self-deleting temporary directory and hand-built IDX files.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
#include <zlib.h>
#endif

#include "temp_dir.hpp"

namespace sf_test {


using bytes = std::vector<std::uint8_t>;

/// IDX bytes built by hand: 0 0 code ndims, big-endian dims, then `payload` as is.
inline bytes idx_bytes(std::uint8_t code, const std::vector<std::uint32_t>& dims, const bytes& payload) {
  bytes out = {0x00, 0x00, code, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims) {
    out.push_back(static_cast<std::uint8_t>(d >> 24));
    out.push_back(static_cast<std::uint8_t>(d >> 16));
    out.push_back(static_cast<std::uint8_t>(d >> 8));
    out.push_back(static_cast<std::uint8_t>(d));
  }
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

inline void write_file(const std::filesystem::path& p, const bytes& data) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
/// Writes `data` gzip-compressed with zlib's own writer.
inline void write_gzip(const std::filesystem::path& p, const bytes& data) {
  gzFile f = gzopen(p.string().c_str(), "wb");
  if (f == nullptr) throw std::runtime_error("gzopen failed: " + p.string());
  if (!data.empty()) gzwrite(f, data.data(), static_cast<unsigned>(data.size()));
  gzclose(f);
}
#endif

/// 0, 1, 2, ... n-1 (mod 256).
inline bytes iota_bytes(std::size_t n) {
  bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i);
  return out;
}

}  // namespace sf_test
