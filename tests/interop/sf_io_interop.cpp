// SPDX-License-Identifier: MIT
/// \file
/// \brief staticflow's side of the interoperability tests: writes the shared sample of Examples
/// to a TFRecord file, or dumps a TFRecord file of Examples in the canonical text form that the
/// npm and Python sides print too (tests/interop/check_interop.sh compares them).
///
///   sf_io_interop write FILE [none|gzip|zlib]
///   sf_io_interop dump FILE [none|gzip|zlib]
///
/// Canonical form, one line per record: features sorted by key, `key=kind[v,...]` separated by
/// spaces; int64 in decimal, float as the 8 hex digits of its bits, bytes in hex.

#include <bit>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "staticflow/io/example.hpp"
#include "staticflow/io/tfrecord.hpp"

namespace io = staticflow::io;

namespace {

/// The sample every writer produces: five Examples and one empty one (a zero-length record).
std::vector<io::example> sample() {
  std::vector<io::example> out;
  for (int i = 0; i < 5; ++i) {
    io::example ex;
    ex.add("label", io::int64_list{i, -1000000000000LL * i});
    ex.add("pixels", io::float_list{static_cast<float>(i) + 0.5f, -1.25f, 3.14f});
    ex.add("name", io::bytes_list{"rec" + std::to_string(i), std::string{'\0', '\xff', static_cast<char>(i)}});
    out.push_back(ex);
  }
  out.emplace_back();
  return out;
}

std::string hex(std::string_view s) {
  static constexpr char d[] = "0123456789abcdef";
  std::string o;
  for (unsigned char c : s) o += d[c >> 4], o += d[c & 15];
  return o;
}

std::string canonical(const io::example& ex) {
  std::string line;
  for (const auto& [key, f] : ex.features) {
    if (!line.empty()) line += ' ';
    line += key + "=" + io::feature_kind_name(f.index()) + "[";
    std::string vals;
    auto sep = [&] { if (!vals.empty()) vals += ','; };
    if (const auto* b = std::get_if<io::bytes_list>(&f))
      for (const auto& v : b->value) sep(), vals += hex(v);
    if (const auto* fl = std::get_if<io::float_list>(&f))
      for (float v : fl->value) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(std::bit_cast<std::uint32_t>(v)));
        sep(), vals += buf;
      }
    if (const auto* il = std::get_if<io::int64_list>(&f))
      for (std::int64_t v : il->value) sep(), vals += std::to_string(v);
    line += vals + "]";
  }
  return line;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s write|dump FILE [none|gzip|zlib]\n", argv[0]);
    return 2;
  }
  const std::string cmd = argv[1];
  const io::compression c = io::compression_from_string(argc > 3 ? argv[3] : "none");
  if (cmd == "write") {
    io::tfrecord_writer w(argv[2], {.compression = c});
    for (const auto& ex : sample()) w.write(ex.encode());
    w.close();
  } else if (cmd == "dump") {
    io::tfrecord_reader r(argv[2], {.compression = c});
    while (auto rec = r.next()) std::printf("%s\n", canonical(io::example::decode(*rec)).c_str());
  } else {
    std::fprintf(stderr, "%s: unknown command '%s'\n", argv[0], cmd.c_str());
    return 2;
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "sf_io_interop: %s\n", e.what());
  return 1;
}
