// SPDX-License-Identifier: MIT
/// \file
/// \brief proto3's rule for scalar fields, for the summary messages: a field at its default value
/// (0, empty) is not written. Following it makes our Events the bytes protobuf's own serializers
/// (and so TensorFlow) write for the same message.
#pragma once
#ifndef STATICFLOW_SUMMARY_PROTO3_FIELDS_HPP
#define STATICFLOW_SUMMARY_PROTO3_FIELDS_HPP

#include <bit>
#include <cstdint>
#include <string_view>

#include "staticflow/io/protobuf.hpp"

namespace staticflow::summary::detail {

/// A double field unless it is +0.0 (protobuf compares the bits: -0.0 is written).
inline void put_double(io::proto::writer& w, std::uint32_t field, double v) {
  if (std::bit_cast<std::uint64_t>(v) != 0) w.float64(field, v);
}
inline void put_float(io::proto::writer& w, std::uint32_t field, float v) {
  if (std::bit_cast<std::uint32_t>(v) != 0) w.float32(field, v);
}
inline void put_int64(io::proto::writer& w, std::uint32_t field, std::int64_t v) {
  if (v != 0) w.int64(field, v);
}
inline void put_string(io::proto::writer& w, std::uint32_t field, std::string_view s) {
  if (!s.empty()) w.bytes(field, s);
}

}  // namespace staticflow::summary::detail
#endif  // STATICFLOW_SUMMARY_PROTO3_FIELDS_HPP
