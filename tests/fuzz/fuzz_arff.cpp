// SPDX-License-Identifier: MIT
/// \file
/// \brief libFuzzer target: the ARFF reader over arbitrary files.

#include <cstddef>
#include <cstdint>

#include "fuzz_file.hpp"
#include "staticflow/data/arff.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto f = staticflow::data::read_arff(sf_fuzz::input_file("arff", data, size));
    for (const auto& row : f.rows)
      if (row.size() != f.attributes.size()) __builtin_trap();  // every row was checked against the header
  } catch (const staticflow::error&) {
  }
  return 0;
}
