// SPDX-License-Identifier: MIT
/// \file
/// \brief libFuzzer target: the checkpoint readers over arbitrary files. Input: one mode byte,
/// then either (mode odd) the text of a `checkpoint` state file, or (mode even) a 4-byte
/// little-endian length n, n bytes of PREFIX.index and the rest as PREFIX.data-00000-of-00001;
/// every tensor the index lists is then read (those up to 4 MiB). Expected failures are
/// staticflow errors; anything else (a crash, a sanitizer report, std::bad_alloc) is a bug.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "staticflow/io/tensor_bundle.hpp"
#include "staticflow/train/checkpoint_state.hpp"

namespace bundle = staticflow::io::bundle;

namespace {

void write(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) __builtin_trap();  // the harness itself is broken, not the reader
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  ++data, --size;
  try {
    if (mode & 1) {
      (void)staticflow::train::parse_checkpoint_state(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
      return 0;
    }
    if (size < 4) return 0;
    const std::size_t n = std::min<std::size_t>(size - 4, data[0] | data[1] << 8 | data[2] << 16 | std::size_t{data[3]} << 24);
    static const std::string prefix =
        (std::filesystem::temp_directory_path() / ("sf_fuzz_checkpoint_" + std::to_string(::getpid()))).string();
    write(bundle::index_filename(prefix), data + 4, n);
    write(bundle::data_filename(prefix, 0, 1), data + 4 + n, size - 4 - n);
    const bundle::reader r(prefix);
    std::vector<std::byte> buffer;
    for (const auto& [name, e] : r.entries()) {
      if (e.size > (std::uint64_t{4} << 20)) continue;
      buffer.resize(static_cast<std::size_t>(e.size));
      try {
        r.read(name, buffer.data(), buffer.size());
      } catch (const staticflow::error&) {
      }
    }
  } catch (const staticflow::error&) {
  }
  return 0;
}
