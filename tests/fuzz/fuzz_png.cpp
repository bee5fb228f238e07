// SPDX-License-Identifier: MIT
/// \file
/// \brief libFuzzer target: image::decode_png over arbitrary bytes, 8-bit with the file's
/// channels and 16-bit RGBA: an error is an exception, a result has the size it says.

#include <cstddef>
#include <cstdint>
#include <span>

#include "staticflow/image/png.hpp"

namespace img = staticflow::image;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = std::as_bytes(std::span(data, size));
  const img::png_decode_options small{.max_bytes = std::size_t{1} << 26};  // ASan's RSS limit
  try {
    const auto a = img::decode_png(bytes, small);
    if (a.size() != a.dims()[0] * a.dims()[1] * a.dims()[2]) __builtin_trap();
  } catch (const staticflow::error&) {
  }
  try {
    const auto b = img::decode_png<std::uint16_t, 4>(bytes, small);
    if (b.size() != b.dims()[0] * b.dims()[1] * 4) __builtin_trap();
  } catch (const staticflow::error&) {
  }
  return 0;
}
