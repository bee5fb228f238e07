// SPDX-License-Identifier: MIT
// Lists the tensors of a checkpoint and prints their values (TF's inspect_checkpoint tool).
// Reads checkpoints written by staticflow or by TensorFlow (V2 format: PREFIX.index +
// PREFIX.data-*); a directory stands for its latest checkpoint.
//
//   inspect_checkpoint PREFIX|DIR                 one line per tensor: name dtype [shape]
//   inspect_checkpoint PREFIX|DIR --all-tensors   each with its values
//   inspect_checkpoint PREFIX|DIR --tensor NAME   one tensor with its values
//
// Values follow the shape on the same line, in row-major order: float32 and bfloat16 with 9
// significant digits (enough to read back the same float), float64 with 17, integers in
// decimal, bool as 0/1.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "staticflow/core/bfloat16.hpp"
#include "staticflow/io/tensor_bundle.hpp"
#include "staticflow/train/checkpoint_state.hpp"

namespace sf = staticflow;
namespace bundle = sf::io::bundle;

namespace {

template <class T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void print_value(bundle::tf_dtype t, const std::byte* p) {
  using d = bundle::tf_dtype;
  switch (t) {
    case d::float32: std::printf(" %.9g", double(load<float>(p))); break;
    case d::float64: std::printf(" %.17g", load<double>(p)); break;
    case d::bfloat16: std::printf(" %.9g", double(float(load<sf::bfloat16>(p)))); break;
    case d::int8: std::printf(" %d", int(load<std::int8_t>(p))); break;
    case d::uint8: std::printf(" %u", unsigned(load<std::uint8_t>(p))); break;
    case d::int16: std::printf(" %d", int(load<std::int16_t>(p))); break;
    case d::uint16: std::printf(" %u", unsigned(load<std::uint16_t>(p))); break;
    case d::int32: std::printf(" %d", load<std::int32_t>(p)); break;
    case d::uint32: std::printf(" %u", load<std::uint32_t>(p)); break;
    case d::int64: std::printf(" %lld", static_cast<long long>(load<std::int64_t>(p))); break;
    case d::uint64: std::printf(" %llu", static_cast<unsigned long long>(load<std::uint64_t>(p))); break;
    case d::boolean: std::printf(" %d", load<std::uint8_t>(p) != 0); break;
    default: break;
  }
}

void print_tensor(const bundle::reader& r, const std::string& name, bool values) {
  const bundle::entry& e = *r.find(name);
  std::printf("%s %s %s", name.c_str(), bundle::tf_dtype_name(e.dtype).c_str(), bundle::shape_string(e.shape).c_str());
  const std::size_t width = bundle::element_size(e.dtype);
  if (values && width == 0) std::printf(" <%llu bytes, not printed>", static_cast<unsigned long long>(e.size));
  if (values && width != 0) {
    std::vector<std::byte> bytes(static_cast<std::size_t>(e.size));
    r.read(name, bytes.data(), bytes.size());
    for (std::size_t i = 0; i < bytes.size(); i += width) print_value(e.dtype, bytes.data() + i);
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2 || (argc > 2 && std::strcmp(argv[2], "--all-tensors") != 0 && std::strcmp(argv[2], "--tensor") != 0) ||
      (argc > 2 && std::strcmp(argv[2], "--tensor") == 0 && argc != 4)) {
    std::fprintf(stderr, "usage: %s PREFIX|DIR [--all-tensors | --tensor NAME]\n", argv[0]);
    return 2;
  }
  std::string prefix = argv[1];
  if (std::filesystem::is_directory(prefix)) {
    const auto latest = sf::train::latest_checkpoint(prefix);
    if (!latest) {
      std::fprintf(stderr, "%s: no checkpoint in directory '%s' (no state file, or its checkpoint is gone)\n", argv[0],
                   prefix.c_str());
      return 1;
    }
    prefix = *latest;
  }
  const bundle::reader r(prefix);
  if (argc == 4) {
    if (!r.find(argv[3])) {
      std::fprintf(stderr, "%s: '%s' has no tensor '%s'\n", argv[0], prefix.c_str(), argv[3]);
      return 1;
    }
    print_tensor(r, argv[3], true);
    return 0;
  }
  for (const auto& [name, e] : r.entries()) print_tensor(r, name, argc == 3);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
  return 1;
}
