// SPDX-License-Identifier: MIT
/// \file
/// \brief libFuzzer target: tf.train.Example / SequenceExample decoding and parse_example with a
/// schema of each feature kind, parse_single_sequence_example; a decoded Example must re-encode to bytes that decode and
/// encode to the same bytes.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "staticflow/io/example.hpp"
#include "staticflow/io/parse_example.hpp"

namespace sf = staticflow;
namespace io = staticflow::io;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = std::as_bytes(std::span(data, size));
  try {
    // Compare encodings, not Examples: a NaN value never compares equal to itself.
    const std::string once = io::example::decode(bytes).encode();
    if (io::example::decode(once).encode() != once) __builtin_trap();
  } catch (const sf::error&) {
  }
  try {
    (void)io::sequence_example::decode(bytes);
  } catch (const sf::error&) {
  }
  const std::vector<std::span<const std::byte>> records{bytes, bytes};
  try {
    (void)io::parse_example(records, io::fixed_len_feature<float, sf::shape<2>>{"f", {{0.f, 1.f}}},
                            io::fixed_len_feature<std::int64_t>{"i", {{0}}},
                            io::fixed_len_feature<std::string>{"b", {{""}}}, io::var_len_feature<std::int64_t>{"v"},
                            io::var_len_feature<std::string>{"s"},
                            io::fixed_len_sequence_feature<float, sf::shape<2>>{"q"});
  } catch (const sf::error&) {
  }
  try {
    (void)io::parse_single_sequence_example(
        bytes, std::tuple{io::fixed_len_feature<std::int64_t>{"i", {{0}}}, io::var_len_feature<std::string>{"s"}},
        std::tuple{io::fixed_len_sequence_feature<float, sf::shape<2>>{"q"}, io::var_len_feature<std::int64_t>{"v"}});
  } catch (const sf::error&) {
  }
  return 0;
}
