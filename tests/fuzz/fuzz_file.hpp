// SPDX-License-Identifier: MIT
/// \file
/// \brief For fuzz targets whose reader takes a path: the input written to a per-process file.
#pragma once
#ifndef STATICFLOW_TESTS_FUZZ_FUZZ_FILE_HPP
#define STATICFLOW_TESTS_FUZZ_FUZZ_FILE_HPP

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace sf_fuzz {

/// Writes `data` to `$TMPDIR/sf_fuzz_<name>_<pid>` (the same file each call) and returns its path.
inline const std::filesystem::path& input_file(const char* name, const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("sf_fuzz_" + std::string(name) + "_" + std::to_string(::getpid()));
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) __builtin_trap();  // the harness itself is broken, not the reader
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

}  // namespace sf_fuzz
#endif  // STATICFLOW_TESTS_FUZZ_FUZZ_FILE_HPP
