// SPDX-License-Identifier: MIT
/// \file
/// \brief ONNX's model file as plain data: ModelProto, GraphProto, NodeProto, AttributeProto,
/// TensorProto and ValueInfoProto, written with io/protobuf.hpp's encoder and read back by a
/// bounds-checked parser.
///
/// Field numbers are those of onnx.proto (ONNX 1.12, as Debian's python3-onnx ships it):
/// ModelProto: ir_version 1, producer_name 2, producer_version 3, domain 4, model_version 5,
/// doc_string 6, graph 7, opset_import 8 (OperatorSetIdProto: domain 1, version 2).
/// GraphProto: node 1, name 2, initializer 5, doc_string 10, input 11, output 12, value_info 13.
/// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, doc_string 6, domain 7.
/// AttributeProto: name 1, f 2, i 3, s 4, t 5, g 6, floats 7, ints 8, strings 9, tensors 10,
/// graphs 11, doc_string 13, type 20. TensorProto: dims 1, data_type 2, segment 3, float_data 4,
/// int32_data 5, string_data 6, int64_data 7, name 8, raw_data 9, double_data 10, uint64_data 11,
/// doc_string 12, external_data 13, data_location 14. ValueInfoProto: name 1, type 2 (TypeProto:
/// tensor_type 1 {elem_type 1, shape 2 {dim 1 {dim_value 1, dim_param 2}}}).
///
/// The writer emits fields in number order, repeated scalars of proto2 unpacked as onnx.proto
/// declares them (dims, ints, floats) and tensor values as `raw_data`.
///
/// The reader accepts what protobuf allows (packed or unpacked repeated scalars, fields in any
/// order, unknown fields skipped) and brings every tensor's values into `raw` (little-endian,
/// row-major), whichever field held them. It never allocates more than the bytes it was given
/// justify: a tensor's extents are checked against the data present before anything is sized
/// from them.
///
/// **Errors (reading):** data_loss "<context>: at byte <offset>: <what>" for malformed protobuf
/// (io/protobuf.hpp), a negative extent, extents whose element count overflows, a tensor whose
/// data does not hold the elements its extents and type say, an unknown data type, an attribute
/// or dimension field of the wrong kind; unimplemented for tensors stored in external files or
/// in segments (the offset and the tensor's name given).
#pragma once
#ifndef STATICFLOW_IO_ONNX_HPP
#define STATICFLOW_IO_ONNX_HPP

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/io/atomic_file.hpp"
#include "staticflow/io/file.hpp"
#include "staticflow/io/protobuf.hpp"

namespace staticflow::io::onnx {

/// TensorProto.DataType.
enum class data_type : std::int32_t {
  undefined = 0, float32 = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7, string = 8,
  boolean = 9, float16 = 10, float64 = 11, uint32 = 12, uint64 = 13, complex64 = 14, complex128 = 15, bfloat16 = 16,
};

/// ONNX's name of a data type ("FLOAT", "INT64", ...); "DataType(N)" for a number it does not name.
inline std::string to_string(data_type t) {
  switch (t) {
    case data_type::undefined: return "UNDEFINED";
    case data_type::float32: return "FLOAT";
    case data_type::uint8: return "UINT8";
    case data_type::int8: return "INT8";
    case data_type::uint16: return "UINT16";
    case data_type::int16: return "INT16";
    case data_type::int32: return "INT32";
    case data_type::int64: return "INT64";
    case data_type::string: return "STRING";
    case data_type::boolean: return "BOOL";
    case data_type::float16: return "FLOAT16";
    case data_type::float64: return "DOUBLE";
    case data_type::uint32: return "UINT32";
    case data_type::uint64: return "UINT64";
    case data_type::complex64: return "COMPLEX64";
    case data_type::complex128: return "COMPLEX128";
    case data_type::bfloat16: return "BFLOAT16";
  }
  return "DataType(" + std::to_string(static_cast<int>(t)) + ")";
}

/// Bytes per element in `raw_data`; 0 for STRING and UNDEFINED (and numbers ONNX does not define).
constexpr std::size_t element_size(data_type t) noexcept {
  switch (t) {
    case data_type::boolean: case data_type::uint8: case data_type::int8: return 1;
    case data_type::uint16: case data_type::int16: case data_type::float16: case data_type::bfloat16: return 2;
    case data_type::float32: case data_type::int32: case data_type::uint32: return 4;
    case data_type::float64: case data_type::int64: case data_type::uint64: case data_type::complex64: return 8;
    case data_type::complex128: return 16;
    case data_type::undefined: case data_type::string: return 0;
  }
  return 0;
}

/// The data type of a C++ element type.
template <class T>
constexpr data_type data_type_of() noexcept {
  if constexpr (std::is_same_v<T, float>) return data_type::float32;
  else if constexpr (std::is_same_v<T, double>) return data_type::float64;
  else if constexpr (std::is_same_v<T, std::int64_t>) return data_type::int64;
  else if constexpr (std::is_same_v<T, std::int32_t>) return data_type::int32;
  else if constexpr (std::is_same_v<T, std::int16_t>) return data_type::int16;
  else if constexpr (std::is_same_v<T, std::int8_t>) return data_type::int8;
  else if constexpr (std::is_same_v<T, std::uint8_t>) return data_type::uint8;
  else if constexpr (std::is_same_v<T, std::uint16_t>) return data_type::uint16;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return data_type::uint32;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return data_type::uint64;
  else if constexpr (std::is_same_v<T, bool>) return data_type::boolean;
  else return data_type::undefined;
}

/// "[6, 1, 5, 5]" (extents as ONNX holds them).
inline std::string dims_string(const std::vector<std::int64_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

/// A TensorProto: its values little-endian and row-major in `raw` (strings in `strings`).
struct tensor_proto {
  std::string name;
  data_type type = data_type::undefined;
  std::vector<std::int64_t> dims;
  std::string raw;
  std::vector<std::string> strings;
  std::string doc_string;

  /// The product of the extents (1 for a scalar).
  std::size_t element_count() const {
    std::size_t n = 1;
    for (const std::int64_t d : dims) n *= static_cast<std::size_t>(d);
    return n;
  }
  /// The values as `T`, which must be the tensor's own type. **Errors:** invalid_argument otherwise.
  template <class T>
  std::vector<T> values() const {
    if (data_type_of<T>() != type)
      staticflow::detail::fail<invalid_argument>({"sf::io::onnx: tensor '", name, "' holds ", to_string(type),
                                                  ", not ", to_string(data_type_of<T>())});
    std::vector<T> out(raw.size() / sizeof(T));
    if constexpr (std::is_same_v<T, bool>) {
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = raw[i] != 0;
    } else if (!out.empty()) {
      std::memcpy(out.data(), raw.data(), out.size() * sizeof(T));
    }
    return out;
  }
  /// A tensor of `values` with extents `dims` (no check that they agree: the caller's job).
  template <class T>
  static tensor_proto of(std::string name, std::vector<std::int64_t> dims, std::span<const T> values) {
    static_assert(std::endian::native == std::endian::little, "sf::io::onnx: raw_data is little-endian");
    tensor_proto t;
    t.name = std::move(name);
    t.type = data_type_of<T>();
    t.dims = std::move(dims);
    t.raw.assign(reinterpret_cast<const char*>(values.data()), values.size_bytes());
    return t;
  }
  template <class T>
  static tensor_proto of(std::string name, std::vector<std::int64_t> dims, const std::vector<T>& values) {
    return of<T>(std::move(name), std::move(dims), std::span<const T>(values));
  }
};

/// AttributeProto.AttributeType.
enum class attribute_type : std::int32_t {
  undefined = 0, f = 1, i = 2, s = 3, t = 4, g = 5, floats = 6, ints = 7, strings = 8, tensors = 9, graphs = 10,
  sparse_tensor = 11, sparse_tensors = 12, type_proto = 13, type_protos = 14,
};

/// An AttributeProto. Graph-valued, sparse-tensor and type-proto attributes are read as their
/// type only (their values are skipped): nothing here reads subgraphs.
struct attribute_proto {
  std::string name;
  attribute_type type = attribute_type::undefined;
  float f = 0;
  std::int64_t i = 0;
  std::string s;
  std::vector<tensor_proto> t;  ///< the one tensor of type TENSOR, or the list of TENSORS
  std::vector<float> floats;
  std::vector<std::int64_t> ints;
  std::vector<std::string> strings;

  static attribute_proto integer(std::string name, std::int64_t v) {
    attribute_proto a;
    a.name = std::move(name), a.type = attribute_type::i;
    a.i = v;
    return a;
  }
  static attribute_proto real(std::string name, float v) {
    attribute_proto a;
    a.name = std::move(name), a.type = attribute_type::f;
    a.f = v;
    return a;
  }
  static attribute_proto string(std::string name, std::string v) {
    attribute_proto a;
    a.name = std::move(name), a.type = attribute_type::s;
    a.s = std::move(v);
    return a;
  }
  static attribute_proto integers(std::string name, std::vector<std::int64_t> v) {
    attribute_proto a;
    a.name = std::move(name), a.type = attribute_type::ints;
    a.ints = std::move(v);
    return a;
  }
  static attribute_proto tensor(std::string name, tensor_proto v) {
    attribute_proto a;
    a.name = std::move(name), a.type = attribute_type::t;
    a.t.push_back(std::move(v));
    return a;
  }
};

/// A NodeProto.
struct node_proto {
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::string name;
  std::string op_type;
  std::string domain;
  std::vector<attribute_proto> attributes;
  std::string doc_string;

  /// The attribute `key`, or nullptr.
  const attribute_proto* attribute(std::string_view key) const {
    for (const auto& a : attributes)
      if (a.name == key) return &a;
    return nullptr;
  }
  /// The INT attribute `key`, or `fallback` when absent.
  std::int64_t int_attribute(std::string_view key, std::int64_t fallback) const {
    const auto* a = attribute(key);
    return a && a->type == attribute_type::i ? a->i : fallback;
  }
};

/// One extent of a value's shape: a number (`value` >= 0), a symbol (`param`, e.g. "batch"),
/// or neither (unknown).
struct dimension {
  std::int64_t value = -1;
  std::string param;
};

/// A ValueInfoProto of a tensor: name, element type and (when `has_shape`) its extents.
struct value_info_proto {
  std::string name;
  data_type type = data_type::undefined;
  bool has_shape = false;
  std::vector<dimension> dims;
};

/// A GraphProto (sparse initializers and quantisation annotations are not read).
struct graph_proto {
  std::vector<node_proto> nodes;
  std::string name;
  std::vector<tensor_proto> initializers;
  std::string doc_string;
  std::vector<value_info_proto> inputs;
  std::vector<value_info_proto> outputs;
  std::vector<value_info_proto> value_infos;

  /// The initializer named `key`, or nullptr.
  const tensor_proto* initializer(std::string_view key) const {
    for (const auto& t : initializers)
      if (t.name == key) return &t;
    return nullptr;
  }
};

/// An OperatorSetIdProto: "" is the default domain (ai.onnx).
struct opset_proto {
  std::string domain;
  std::int64_t version = 0;
};

struct model_proto;
namespace detail {
template <class W>
void write_model(W& w, const model_proto& m);
}  // namespace detail

/// A ModelProto.
struct model_proto {
  std::int64_t ir_version = 0;
  std::vector<opset_proto> opsets;
  std::string producer_name;
  std::string producer_version;
  std::string domain;
  std::int64_t model_version = 0;
  std::string doc_string;
  graph_proto graph;

  /// The opset version imported for the default domain, or 0.
  std::int64_t opset_version() const {
    for (const auto& o : opsets)
      if (o.domain.empty() || o.domain == "ai.onnx") return o.version;
    return 0;
  }
  /// The binary protobuf (an `.onnx` file's bytes).
  template <class W = proto::writer>
  std::string serialize() const {
    W w;
    detail::write_model(w, *this);
    return w.take();
  }
  /// Writes the `.onnx` file, whole or not at all (io/atomic_file.hpp).
  template <class W = proto::writer>
  void write(const std::filesystem::path& path, bool sync = true) const {
    atomic_file f(path, sync);
    f.append(serialize<W>());
    f.commit();
  }
};

// ============================================================================== writing

namespace detail {

template <class W>
void write_tensor(W& w, const tensor_proto& t) {
  for (const std::int64_t d : t.dims) w.int64(1, d);
  if (t.type != data_type::undefined) w.int64(2, static_cast<std::int64_t>(t.type));
  for (const auto& s : t.strings) w.bytes(6, s);
  if (!t.name.empty()) w.bytes(8, t.name);
  if (t.type != data_type::string && t.type != data_type::undefined)
    w.bytes(9, t.raw);  // always: a scalar's or an empty tensor's too
  if (!t.doc_string.empty()) w.bytes(12, t.doc_string);
}

template <class W>
void write_attribute(W& w, const attribute_proto& a) {
  w.bytes(1, a.name);
  using k = attribute_type;
  switch (a.type) {
    case k::f: w.float32(2, a.f); break;
    case k::i: w.int64(3, a.i); break;
    case k::s: w.bytes(4, a.s); break;
    case k::t:
      if (!a.t.empty()) w.message(5, [&](auto& m) { write_tensor(m, a.t.front()); });
      break;
    case k::floats: for (const float v : a.floats) w.float32(7, v); break;
    case k::ints: for (const std::int64_t v : a.ints) w.int64(8, v); break;
    case k::strings: for (const auto& v : a.strings) w.bytes(9, v); break;
    case k::tensors: for (const auto& v : a.t) w.message(10, [&](auto& m) { write_tensor(m, v); }); break;
    default: break;
  }
  w.int64(20, static_cast<std::int64_t>(a.type));
}

template <class W>
void write_node(W& w, const node_proto& n) {
  for (const auto& s : n.inputs) w.bytes(1, s);
  for (const auto& s : n.outputs) w.bytes(2, s);
  if (!n.name.empty()) w.bytes(3, n.name);
  w.bytes(4, n.op_type);
  for (const auto& a : n.attributes) w.message(5, [&](auto& m) { write_attribute(m, a); });
  if (!n.doc_string.empty()) w.bytes(6, n.doc_string);
  if (!n.domain.empty()) w.bytes(7, n.domain);
}

template <class W>
void write_value_info(W& w, const value_info_proto& v) {
  w.bytes(1, v.name);
  w.message(2, [&](auto& type) {
    type.message(1, [&](auto& tensor) {
      tensor.int64(1, static_cast<std::int64_t>(v.type));
      if (v.has_shape)
        tensor.message(2, [&](auto& shape) {
          for (const auto& d : v.dims)
            shape.message(1, [&](auto& dim) {
              if (d.value >= 0) dim.int64(1, d.value);
              else if (!d.param.empty()) dim.bytes(2, d.param);
            });
        });
    });
  });
}

template <class W>
void write_graph(W& w, const graph_proto& g) {
  for (const auto& n : g.nodes) w.message(1, [&](auto& m) { write_node(m, n); });
  w.bytes(2, g.name);
  for (const auto& t : g.initializers) w.message(5, [&](auto& m) { write_tensor(m, t); });
  if (!g.doc_string.empty()) w.bytes(10, g.doc_string);
  for (const auto& v : g.inputs) w.message(11, [&](auto& m) { write_value_info(m, v); });
  for (const auto& v : g.outputs) w.message(12, [&](auto& m) { write_value_info(m, v); });
  for (const auto& v : g.value_infos) w.message(13, [&](auto& m) { write_value_info(m, v); });
}

template <class W>
void write_model(W& w, const model_proto& m) {
  w.int64(1, m.ir_version);
  if (!m.producer_name.empty()) w.bytes(2, m.producer_name);
  if (!m.producer_version.empty()) w.bytes(3, m.producer_version);
  if (!m.domain.empty()) w.bytes(4, m.domain);
  if (m.model_version != 0) w.int64(5, m.model_version);
  if (!m.doc_string.empty()) w.bytes(6, m.doc_string);
  w.message(7, [&](auto& g) { write_graph(g, m.graph); });
  for (const auto& o : m.opsets)
    w.message(8, [&](auto& s) {
      if (!o.domain.empty()) s.bytes(1, o.domain);
      s.int64(2, o.version);
    });
}

// ============================================================================== reading

/// A string field's text (names, op types: any bytes are kept as they are).
inline std::string text_of(const proto::reader& r, const proto::field& f) { return std::string(r.as_string(f)); }

/// Calls `fn(value)` for a repeated varint field read one value at a time or packed.
template <class F>
void repeated_varints(const proto::reader& r, const proto::field& f, F&& fn) {
  if (f.type == proto::wire_type::length_delimited) proto::for_each_packed_varint(r, f, fn);
  else fn(r.as_uint64(f));
}

/// Appends the values of a repeated fixed-width field (4 or 8 bytes each), packed or not, to
/// `out` as little-endian bytes. Bounded by the input: a packed payload is copied as it is.
inline void repeated_fixed(const proto::reader& r, const proto::field& f, std::size_t width, std::string& out,
                           std::size_t& count, const char* what) {
  if (f.type == proto::wire_type::length_delimited) {
    if (f.payload.size() % width != 0)
      r.fail_at(f.offset, "packed ", what, " holds ", f.payload.size(), " bytes, not a multiple of ", width);
    out.append(reinterpret_cast<const char*>(f.payload.data()), f.payload.size());
    count += f.payload.size() / width;
  } else {
    r.expect(f, width == 4 ? proto::wire_type::fixed32 : proto::wire_type::fixed64);
    for (std::size_t i = 0; i < width; ++i) out.push_back(static_cast<char>((f.value >> (8 * i)) & 0xFF));
    ++count;
  }
}

inline bool known_type(std::int64_t t) { return t >= 0 && t <= 16; }

/// Reads one TensorProto and checks that its data holds the elements its extents say.
inline tensor_proto read_tensor(proto::reader r, const char* role) {
  tensor_proto t;
  const std::size_t at = r.offset();
  std::string floats, doubles, varint_bytes;  // collected by field; converted once the type is known
  std::vector<std::uint64_t> int32s, int64s, uint64s;
  std::size_t float_count = 0, double_count = 0;
  bool has_raw = false;
  std::int64_t type = 0;
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1:
        repeated_varints(r, f, [&](std::uint64_t v) {
          const auto d = static_cast<std::int64_t>(v);
          if (d < 0) r.fail_at(f.offset, role, " '", t.name, "': extent ", d, " is negative");
          t.dims.push_back(d);
        });
        break;
      case 2: type = r.as_int64(f); break;
      case 3: r.fail_at(f.offset, role, " '", t.name, "' is stored in segments, which this reader does not support");
      case 4: repeated_fixed(r, f, 4, floats, float_count, "float_data"); break;
      case 5: repeated_varints(r, f, [&](std::uint64_t v) { int32s.push_back(v); }); break;
      case 6: t.strings.push_back(text_of(r, f)); break;
      case 7: repeated_varints(r, f, [&](std::uint64_t v) { int64s.push_back(v); }); break;
      case 8: t.name = text_of(r, f); break;
      case 9: t.raw.assign(r.as_string(f)), has_raw = true; break;
      case 10: repeated_fixed(r, f, 8, doubles, double_count, "double_data"); break;
      case 11: repeated_varints(r, f, [&](std::uint64_t v) { uint64s.push_back(v); }); break;
      case 12: t.doc_string = text_of(r, f); break;
      case 14:
        if (r.as_int64(f) == 1)
          staticflow::detail::fail<unimplemented>({r.context(), ": at byte ", f.offset, ": ", role, " '", t.name,
                                                   "' keeps its data in an external file (data_location EXTERNAL), "
                                                   "which this reader does not load"});
        break;
      default: break;  // external_data (13) without data_location says nothing by itself
    }
  }
  if (!known_type(type)) r.fail_at(at, role, " '", t.name, "': unknown data_type ", type);
  t.type = static_cast<data_type>(type);
  // The element count, checked for overflow: no allocation is ever sized from it.
  std::size_t count = 1;
  for (const std::int64_t d : t.dims) {
    const auto u = static_cast<std::uint64_t>(d);
    if (u != 0 && count > (std::uint64_t{1} << 62) / u)
      r.fail_at(at, role, " '", t.name, "': extents ", dims_string(t.dims), " hold more elements than any file can");
    count *= static_cast<std::size_t>(u);
  }
  const std::size_t width = element_size(t.type);
  const auto mismatch = [&](std::size_t have, const char* field) {
    r.fail_at(at, role, " '", t.name, "': ", field, " holds ", have, " values but extents ", dims_string(t.dims),
              " of ", to_string(t.type), " need ", count);
  };
  if (t.type == data_type::string) {
    if (t.strings.size() != count) mismatch(t.strings.size(), "string_data");
    return t;
  }
  if (t.type == data_type::undefined) {
    if (count != 0 || has_raw) r.fail_at(at, role, " '", t.name, "' has no data_type");
    return t;
  }
  if (has_raw) {
    if (t.raw.size() / width != count || t.raw.size() % width != 0)
      r.fail_at(at, role, " '", t.name, "': raw_data holds ", t.raw.size(), " bytes but extents ", dims_string(t.dims),
                " of ", to_string(t.type), " need ", count * width);
    return t;
  }
  const std::size_t parts = t.type == data_type::complex64 || t.type == data_type::complex128 ? 2 : 1;
  switch (t.type) {
    case data_type::float32:
    case data_type::complex64:
      if (float_count != count * parts) mismatch(float_count / parts, "float_data");
      t.raw = std::move(floats);
      break;
    case data_type::float64:
    case data_type::complex128:
      if (double_count != count * parts) mismatch(double_count / parts, "double_data");
      t.raw = std::move(doubles);
      break;
    case data_type::int64:
      if (int64s.size() != count) mismatch(int64s.size(), "int64_data");
      for (const std::uint64_t v : int64s) for (std::size_t i = 0; i < 8; ++i) t.raw.push_back(static_cast<char>(v >> (8 * i)));
      break;
    case data_type::uint32:
    case data_type::uint64:
      if (uint64s.size() != count) mismatch(uint64s.size(), "uint64_data");
      for (const std::uint64_t v : uint64s) for (std::size_t i = 0; i < width; ++i) t.raw.push_back(static_cast<char>(v >> (8 * i)));
      break;
    default:  // int32, int16, int8, uint16, uint8, bool, float16, bfloat16: int32_data
      if (int32s.size() != count) mismatch(int32s.size(), "int32_data");
      for (const std::uint64_t v : int32s) for (std::size_t i = 0; i < width; ++i) t.raw.push_back(static_cast<char>(v >> (8 * i)));
      break;
  }
  return t;
}

inline attribute_proto read_attribute(proto::reader r) {
  attribute_proto a;
  const std::size_t at = r.offset();
  std::int64_t type = -1;
  attribute_type seen = attribute_type::undefined;  // from the value fields, for files without `type`
  std::size_t float_count = 0;
  std::string float_bytes;
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1: a.name = text_of(r, f); break;
      case 2: a.f = r.as_float(f), seen = attribute_type::f; break;
      case 3: a.i = r.as_int64(f), seen = attribute_type::i; break;
      case 4: a.s = text_of(r, f), seen = attribute_type::s; break;
      case 5: a.t.push_back(read_tensor(r.message(f), "attribute tensor")), seen = attribute_type::t; break;
      case 6: r.expect(f, proto::wire_type::length_delimited), seen = attribute_type::g; break;
      case 7: repeated_fixed(r, f, 4, float_bytes, float_count, "floats"), seen = attribute_type::floats; break;
      case 8: repeated_varints(r, f, [&](std::uint64_t v) { a.ints.push_back(static_cast<std::int64_t>(v)); }), seen = attribute_type::ints; break;
      case 9: a.strings.push_back(text_of(r, f)), seen = attribute_type::strings; break;
      case 10: a.t.push_back(read_tensor(r.message(f), "attribute tensor")), seen = attribute_type::tensors; break;
      case 11: r.expect(f, proto::wire_type::length_delimited), seen = attribute_type::graphs; break;
      case 20: type = r.as_int64(f); break;
      default: break;
    }
  }
  a.floats.resize(float_count);
  if (float_count) std::memcpy(a.floats.data(), float_bytes.data(), float_count * sizeof(float));
  if (type < -1 || type > 14) r.fail_at(at, "attribute '", a.name, "': unknown type ", type);
  a.type = type == -1 ? seen : static_cast<attribute_type>(type);
  if (a.type == attribute_type::t && a.t.size() != 1)
    r.fail_at(at, "attribute '", a.name, "' of type TENSOR holds ", a.t.size(), " tensors");
  return a;
}

inline node_proto read_node(proto::reader r) {
  node_proto n;
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1: n.inputs.push_back(text_of(r, f)); break;
      case 2: n.outputs.push_back(text_of(r, f)); break;
      case 3: n.name = text_of(r, f); break;
      case 4: n.op_type = text_of(r, f); break;
      case 5: n.attributes.push_back(read_attribute(r.message(f))); break;
      case 6: n.doc_string = text_of(r, f); break;
      case 7: n.domain = text_of(r, f); break;
      default: break;
    }
  }
  return n;
}

inline value_info_proto read_value_info(proto::reader r) {
  value_info_proto v;
  for (proto::field f; r.next(f);) {
    if (f.number == 1) {
      v.name = text_of(r, f);
    } else if (f.number == 2) {
      proto::reader type = r.message(f);
      for (proto::field tf; type.next(tf);) {
        if (tf.number != 1) continue;  // sequence, map, optional, sparse types: not tensors
        proto::reader tensor = type.message(tf);
        for (proto::field ef; tensor.next(ef);) {
          if (ef.number == 1) {
            const std::int64_t t = tensor.as_int64(ef);
            if (!known_type(t)) tensor.fail_at(ef.offset, "value '", v.name, "': unknown elem_type ", t);
            v.type = static_cast<data_type>(t);
          } else if (ef.number == 2) {
            v.has_shape = true;
            proto::reader shape = tensor.message(ef);
            for (proto::field sf; shape.next(sf);) {
              if (sf.number != 1) continue;
              dimension d;
              proto::reader dim = shape.message(sf);
              for (proto::field df; dim.next(df);) {
                if (df.number == 1) d.value = dim.as_int64(df);
                else if (df.number == 2) d.param = text_of(dim, df);
              }
              v.dims.push_back(std::move(d));
            }
          }
        }
      }
    }
  }
  return v;
}

inline graph_proto read_graph(proto::reader r) {
  graph_proto g;
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1: g.nodes.push_back(read_node(r.message(f))); break;
      case 2: g.name = text_of(r, f); break;
      case 5: g.initializers.push_back(read_tensor(r.message(f), "initializer")); break;
      case 10: g.doc_string = text_of(r, f); break;
      case 11: g.inputs.push_back(read_value_info(r.message(f))); break;
      case 12: g.outputs.push_back(read_value_info(r.message(f))); break;
      case 13: g.value_infos.push_back(read_value_info(r.message(f))); break;
      default: break;
    }
  }
  return g;
}

}  // namespace detail

/// Parses an `.onnx` file's bytes. `context` (e.g. the path) starts every error message.
/// **Errors:** see the file comment; data_loss as well for a model without a graph.
inline model_proto parse(std::span<const std::byte> bytes, std::string_view context = "ONNX model") {
  const std::string what = std::string(context);  // the reader keeps a view: this outlives it
  proto::reader r(bytes, what);
  model_proto m;
  bool has_graph = false;
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1: m.ir_version = r.as_int64(f); break;
      case 2: m.producer_name = detail::text_of(r, f); break;
      case 3: m.producer_version = detail::text_of(r, f); break;
      case 4: m.domain = detail::text_of(r, f); break;
      case 5: m.model_version = r.as_int64(f); break;
      case 6: m.doc_string = detail::text_of(r, f); break;
      case 7: m.graph = detail::read_graph(r.message(f)), has_graph = true; break;
      case 8: {
        opset_proto o;
        proto::reader s = r.message(f);
        for (proto::field sf; s.next(sf);) {
          if (sf.number == 1) o.domain = detail::text_of(s, sf);
          else if (sf.number == 2) o.version = s.as_int64(sf);
        }
        m.opsets.push_back(std::move(o));
        break;
      }
      default: break;
    }
  }
  if (!has_graph) r.fail_at(bytes.size(), "the model has no graph (ModelProto field 7): not an ONNX model");
  return m;
}
inline model_proto parse(std::string_view bytes, std::string_view context = "ONNX model") {
  return parse(std::as_bytes(std::span(bytes.data(), bytes.size())), context);
}

/// Reads and parses the `.onnx` file at `path` (errors name the path).
inline model_proto read(const std::filesystem::path& path) {
  const read_file f(path.string(), "sf::io::onnx::read");
  const std::string bytes = f.read_all("sf::io::onnx::read");
  return parse(bytes, "ONNX model '" + path.string() + "'");
}

}  // namespace staticflow::io::onnx
#endif  // STATICFLOW_IO_ONNX_HPP
