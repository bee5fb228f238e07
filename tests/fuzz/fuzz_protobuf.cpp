// SPDX-License-Identifier: MIT
/// \file
/// \brief libFuzzer target: the protobuf wire reader, walking every field and recursing into
/// each length-delimited one as if it were a message (bounded depth), with every accessor.

#include <cstddef>
#include <cstdint>
#include <span>

#include "staticflow/io/protobuf.hpp"

namespace proto = staticflow::io::proto;

namespace {

void walk(proto::reader r, int depth) {
  for (proto::field f; r.next(f);) {
    switch (f.type) {
      case proto::wire_type::varint: (void)r.as_sint64(f), (void)r.as_bool(f); break;
      case proto::wire_type::fixed32: (void)r.as_float(f); break;
      case proto::wire_type::fixed64: (void)r.as_double(f); break;
      case proto::wire_type::length_delimited:
        (void)proto::count_packed_varints(f.payload);
        if (depth < 8) {
          try {
            walk(r.message(f), depth + 1);
          } catch (const staticflow::data_loss&) {  // not every payload is a message
          }
          try {
            proto::for_each_packed_varint(r, f, [](std::uint64_t) {});
          } catch (const staticflow::data_loss&) {
          }
        }
        break;
      default: break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    walk(proto::reader(std::as_bytes(std::span(data, size)), "fuzz"), 0);
  } catch (const staticflow::error&) {
  }
  return 0;
}
