// SPDX-License-Identifier: MIT
/// \file
/// \brief libFuzzer target: image::decode_jpeg over arbitrary bytes, with the file's channels,
/// gray, and a downscaling ratio: an error is an exception, a result has the size it says.

#include <cstddef>
#include <cstdint>
#include <span>

#include "staticflow/image/jpeg.hpp"

namespace img = staticflow::image;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = std::as_bytes(std::span(data, size));
  const img::jpeg_decode_options small{.max_bytes = std::size_t{1} << 26};  // ASan's RSS limit
  try {
    const auto a = img::decode_jpeg(bytes, small);
    if (a.size() != a.dims()[0] * a.dims()[1] * a.dims()[2]) __builtin_trap();
  } catch (const staticflow::error&) {
  }
  try {
    const auto g = img::decode_jpeg<1>(bytes, {.ratio = 4, .try_recover_truncated = true, .max_bytes = small.max_bytes});
    if (g.size() != g.dims()[0] * g.dims()[1]) __builtin_trap();
  } catch (const staticflow::error&) {
  }
  return 0;
}
