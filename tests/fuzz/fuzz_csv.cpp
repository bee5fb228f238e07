// SPDX-License-Identifier: MIT
/// \file
/// \brief libFuzzer target: CSV records (RFC 4180 splitting, typed decoding) and the dataset's
/// line joining over arbitrary files.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>

#include "fuzz_file.hpp"
#include "staticflow/data/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace sd = staticflow::data;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto defaults = std::make_tuple(0.f, std::int64_t{0}, std::string(), sd::required<double>{});
  try {
    const auto fields = sd::split_csv(text, {.delimiter = ',', .skip_initial_space = true});
    if (fields.empty()) __builtin_trap();  // a record always has at least one field
    (void)sd::decode_csv(text, defaults);
  } catch (const staticflow::error&) {
  }
  try {
    sd::csv_dataset ds({sf_fuzz::input_file("csv", data, size)}, defaults, {.header = true});
    auto cursor = ds.make_cursor();
    while (cursor.next()) {
    }
  } catch (const staticflow::error&) {
  }
  return 0;
}
