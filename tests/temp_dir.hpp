// SPDX-License-Identifier: MIT
/// \file
/// \brief `sf_test::temp_dir`: a fresh directory for a test's files, removed afterwards.
#pragma once

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace sf_test {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
struct temp_dir {
  std::filesystem::path path;

  temp_dir() {
    // Parallel ctest runs share the temp dir, so the name mixes time and a random device draw.
    const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("staticflow_test_" + std::to_string(ticks) + "_" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::filesystem::path operator/(const std::string& name) const { return path / name; }
};

}  // namespace sf_test
