// SPDX-License-Identifier: MIT
/// \file
/// \brief libFuzzer target: the IDX (MNIST) reader over arbitrary files, plain or gzip.

#include <cstddef>
#include <cstdint>

#include "fuzz_file.hpp"
#include "staticflow/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = sf_fuzz::input_file("idx", data, size);
  try {
    const auto a = staticflow::data::read_idx(path);
    if (a.bytes.size() != a.num_elements() * staticflow::data::element_size(a.dtype)) __builtin_trap();
  } catch (const staticflow::error&) {
  }
  return 0;
}
