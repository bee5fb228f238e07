// SPDX-License-Identifier: MIT
/// \file
/// \brief libFuzzer target: the TFRecord reader over arbitrary files. The first byte picks the
/// compression and skip_corrupt; expected failures are staticflow errors, anything else
/// (a crash, a sanitizer report, std::bad_alloc) is a bug.

#include <cstddef>
#include <cstdint>

#include "fuzz_file.hpp"
#include "staticflow/io/tfrecord.hpp"

namespace io = staticflow::io;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const auto& path = sf_fuzz::input_file("tfrecord", data + 1, size - 1);
  io::tfrecord_reader_options options;
  options.compression = static_cast<io::compression>((mode & 3) % 3);
  options.skip_corrupt = (mode & 4) != 0;
  options.buffer_size = 64;  // small, so records straddle refills and the buffer grows
  if (!io::have_zlib() && options.compression != io::compression::none) return 0;
  try {
    io::tfrecord_reader r(path, options);
    std::size_t total = 0;
    while (auto rec = r.next()) total += rec->size();
    (void)total;
  } catch (const staticflow::error&) {
  }
  return 0;
}
