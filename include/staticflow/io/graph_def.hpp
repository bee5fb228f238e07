// SPDX-License-Identifier: MIT
/// \file
/// \brief TensorFlow's GraphDef and MetaGraphDef as plain data, written as binary protobuf
/// (`.pb`) and as protobuf text format (`.pbtxt`, as `protoc --decode` and TensorFlow's
/// `tf.io.write_graph(as_text=True)` print it).
///
/// Field numbers are those of TensorFlow's published protos: graph.proto (GraphDef: node 1,
/// versions 4), node_def.proto (NodeDef: name 1, op 2, input 3, device 4, attr 5),
/// attr_value.proto (AttrValue: list 1, s 2, i 3, f 4, b 5, type 6, shape 7, tensor 8;
/// ListValue: i 3, packed), tensor.proto (TensorProto: dtype 1, tensor_shape 2,
/// tensor_content 4), tensor_shape.proto (dim 2 {size 1}, unknown_rank 3), versions.proto
/// (producer 1), meta_graph.proto (MetaGraphDef: meta_info_def 1, graph_def 2, saver_def 3;
/// MetaInfoDef: tags 4, tensorflow_version 5) and saver.proto (SaverDef: fields 1-7).
///
/// The encoding is protobuf's canonical one: fields in number order, proto3 defaults left out
/// (but a oneof member is always written), map entries sorted by key, so the bytes equal what
/// Python's protobuf writes with `SerializeToString(deterministic=True)` for the same message.
/// Writing only: reading a GraphDef back is not part of this header.
#pragma once
#ifndef STATICFLOW_IO_GRAPH_DEF_HPP
#define STATICFLOW_IO_GRAPH_DEF_HPP

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "staticflow/io/atomic_file.hpp"
#include "staticflow/io/protobuf.hpp"
#include "staticflow/io/tensor_bundle.hpp"

namespace staticflow::io::graphdef {

using bundle::tf_dtype;

/// A TensorProto: dtype, shape and the elements' little-endian bytes, row-major; strings
/// (DT_STRING) in `strings` (string_val) instead.
struct tensor_proto {
  tf_dtype dtype = tf_dtype::invalid;
  std::vector<std::int64_t> dims;
  std::string content;
  std::vector<std::string> strings;
  friend bool operator==(const tensor_proto&, const tensor_proto&) = default;
};

/// A TensorShapeProto: -1 stands for an extent unknown until the graph runs.
struct shape_proto {
  std::vector<std::int64_t> dims;
  friend bool operator==(const shape_proto&, const shape_proto&) = default;
};

/// An AttrValue's `list { i: ... }` (strides, window sizes).
struct int_list {
  std::vector<std::int64_t> values;
  friend bool operator==(const int_list&, const int_list&) = default;
};
/// An AttrValue's `list { type: ... }` (SaveV2's dtypes).
struct type_list {
  std::vector<tf_dtype> values;
  friend bool operator==(const type_list&, const type_list&) = default;
};
/// An AttrValue's `list { s: ... }` (colocation's `_class`).
struct string_list {
  std::vector<std::string> values;
  friend bool operator==(const string_list&, const string_list&) = default;
};

/// An AttrValue: one member of its oneof (s, i, f, b, type, shape, tensor, or a list), made
/// implicitly from a value of that member's type. (A tagged struct, not a std::variant: every
/// program including staticflow.hpp compiles the saver's use of it, and a variant's converting
/// assignments cost a measurable part of a second each time.)
class attr_value {
 public:
  enum class kind : std::uint8_t { s, i, f, b, type, shape, tensor, list_i, list_type, list_s };
  attr_value() = default;
  attr_value(std::string v) : kind_(kind::s), s_(std::move(v)) {}  // NOLINT: implicit, as a oneof member is set
  attr_value(std::int64_t v) : kind_(kind::i), i_(v) {}             // NOLINT
  attr_value(float v) : kind_(kind::f), f_(v) {}                    // NOLINT
  attr_value(bool v) : kind_(kind::b), b_(v) {}                     // NOLINT
  attr_value(tf_dtype v) : kind_(kind::type), type_(v) {}           // NOLINT
  attr_value(shape_proto v) : kind_(kind::shape), shape_(std::move(v)) {}     // NOLINT
  attr_value(tensor_proto v) : kind_(kind::tensor), tensor_(std::move(v)) {}  // NOLINT
  attr_value(int_list v) : kind_(kind::list_i), ints_(std::move(v)) {}        // NOLINT
  attr_value(type_list v) : kind_(kind::list_type), types_(std::move(v)) {}   // NOLINT
  attr_value(string_list v) : kind_(kind::list_s), strings_(std::move(v)) {}  // NOLINT

  kind which() const noexcept { return kind_; }
  /// The value when it is a `T`, else nullptr.
  template <class T>
  const T* get() const noexcept {
    if constexpr (std::is_same_v<T, std::string>) return kind_ == kind::s ? &s_ : nullptr;
    else if constexpr (std::is_same_v<T, std::int64_t>) return kind_ == kind::i ? &i_ : nullptr;
    else if constexpr (std::is_same_v<T, float>) return kind_ == kind::f ? &f_ : nullptr;
    else if constexpr (std::is_same_v<T, bool>) return kind_ == kind::b ? &b_ : nullptr;
    else if constexpr (std::is_same_v<T, tf_dtype>) return kind_ == kind::type ? &type_ : nullptr;
    else if constexpr (std::is_same_v<T, shape_proto>) return kind_ == kind::shape ? &shape_ : nullptr;
    else if constexpr (std::is_same_v<T, tensor_proto>) return kind_ == kind::tensor ? &tensor_ : nullptr;
    else if constexpr (std::is_same_v<T, int_list>) return kind_ == kind::list_i ? &ints_ : nullptr;
    else if constexpr (std::is_same_v<T, type_list>) return kind_ == kind::list_type ? &types_ : nullptr;
    else {
      static_assert(std::is_same_v<T, string_list>, "sf::io::graphdef::attr_value holds no such type");
      return kind_ == kind::list_s ? &strings_ : nullptr;
    }
  }

 private:
  kind kind_ = kind::s;
  std::string s_;
  std::int64_t i_ = 0;
  float f_ = 0;
  bool b_ = false;
  tf_dtype type_ = tf_dtype::invalid;
  shape_proto shape_;
  tensor_proto tensor_;
  int_list ints_;
  type_list types_;
  string_list strings_;
};

/// A NodeDef. `attrs` is ordered by key: the order canonical serialisation and TF's text use.
struct node_def {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;
  std::string device;
  std::map<std::string, attr_value, std::less<>> attrs;

  /// The attribute `key` as `T`, or nullptr when absent or of another kind.
  template <class T>
  const T* attr(std::string_view key) const {
    const auto it = attrs.find(key);
    return it == attrs.end() ? nullptr : it->second.template get<T>();
  }
};

/// TF 1.15's GraphDef version (GRAPH_DEF_VERSION in tensorflow/core/public/version.h), the
/// producer stamped on every graph: TF 1.x's last release, which every later TF reads.
inline constexpr int graph_def_producer = 134;

/// The `DT_*` name of a dtype, as text format spells the enum.
inline std::string dtype_enum_name(tf_dtype t) {
  switch (t) {
    case tf_dtype::invalid: return "DT_INVALID";
    case tf_dtype::float32: return "DT_FLOAT";
    case tf_dtype::float64: return "DT_DOUBLE";
    case tf_dtype::int32: return "DT_INT32";
    case tf_dtype::uint8: return "DT_UINT8";
    case tf_dtype::int16: return "DT_INT16";
    case tf_dtype::int8: return "DT_INT8";
    case tf_dtype::string: return "DT_STRING";
    case tf_dtype::int64: return "DT_INT64";
    case tf_dtype::boolean: return "DT_BOOL";
    case tf_dtype::bfloat16: return "DT_BFLOAT16";
    case tf_dtype::uint16: return "DT_UINT16";
    case tf_dtype::float16: return "DT_HALF";
    case tf_dtype::uint32: return "DT_UINT32";
    case tf_dtype::uint64: return "DT_UINT64";
  }
  return std::to_string(static_cast<int>(t));  // text format accepts an enum's number
}

// ================================================================================ binary

namespace detail {

template <class W>
void write_shape(W& w, const std::vector<std::int64_t>& dims) {
  for (const std::int64_t d : dims)
    w.message(2, [&](auto& dim) {
      if (d != 0) dim.int64(1, d);
    });
}

template <class W>
void write_tensor(W& w, const tensor_proto& t) {
  if (t.dtype != tf_dtype::invalid) w.uint64(1, static_cast<std::uint64_t>(t.dtype));
  w.message(2, [&](auto& s) { write_shape(s, t.dims); });
  if (!t.content.empty()) w.bytes(4, t.content);
  for (const auto& s : t.strings) w.bytes(8, s);
}

/// The oneof member held, in its field (written even when it is the default value).
template <class W>
void write_attr(W& w, const attr_value& v) {
  using k = attr_value::kind;
  switch (v.which()) {
    case k::s: return w.bytes(2, *v.get<std::string>());
    case k::i: return w.int64(3, *v.get<std::int64_t>());
    case k::f: return w.float32(4, *v.get<float>());
    case k::b: return w.boolean(5, *v.get<bool>());
    case k::type: return w.uint64(6, static_cast<std::uint64_t>(*v.get<tf_dtype>()));
    case k::shape: return w.message(7, [&](auto& m) { write_shape(m, v.get<shape_proto>()->dims); });
    case k::tensor: return w.message(8, [&](auto& m) { write_tensor(m, *v.get<tensor_proto>()); });
    case k::list_i:
      return w.message(1, [&](auto& m) { m.packed_varints(3, std::span<const std::int64_t>(v.get<int_list>()->values)); });
    case k::list_type:
      return w.message(1, [&](auto& m) {
        std::vector<int> numbers;
        for (const tf_dtype t : v.get<type_list>()->values) numbers.push_back(static_cast<int>(t));
        m.packed_varints(6, std::span<const int>(numbers));
      });
    case k::list_s:
      return w.message(1, [&](auto& m) {
        for (const auto& s : v.get<string_list>()->values) m.bytes(2, s);
      });
  }
}

template <class W>
void write_node(W& w, const node_def& n) {
  if (!n.name.empty()) w.bytes(1, n.name);
  if (!n.op.empty()) w.bytes(2, n.op);
  for (const auto& in : n.inputs) w.bytes(3, in);
  if (!n.device.empty()) w.bytes(4, n.device);
  for (const auto& [key, value] : n.attrs)
    w.message(5, [&](auto& entry) {
      entry.bytes(1, key);
      entry.message(2, [&](auto& m) { write_attr(m, value); });
    });
}

}  // namespace detail

// ================================================================================ text

/// Protobuf text format as TensorFlow and `protoc --decode` print it: one field a line, nested
/// messages as `name {` ... `}` indented by two spaces, strings C-escaped.
class text_printer {
 public:
  void open(std::string_view field) { line(field, " {"), ++depth_; }
  void close() { --depth_, line("}", ""); }
  void string(std::string_view field, std::string_view s) { line(field, ": \"" + escape(s) + "\""); }
  void number(std::string_view field, std::int64_t v) { line(field, ": " + std::to_string(v)); }
  /// As protoc prints a float: 6 significant digits when they read back as the same float,
  /// else 9 (which always do); "nan", "inf", "-inf".
  void real(std::string_view field, float v) {
    char buf[32];
    if (std::isnan(v)) {
      line(field, ": nan");
      return;
    }
    std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(v));
    if (std::strtof(buf, nullptr) != v) std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
    line(field, ": " + std::string(buf));
  }
  void word(std::string_view field, std::string_view w) { line(field, ": " + std::string(w)); }
  std::string take() { return std::move(out_); }

  /// C escapes as protobuf's text format writes them: \n \r \t \" \' \\ and three octal
  /// digits for other bytes outside printable ASCII (tensor_content is raw bytes).
  static std::string escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '"': out += "\\\""; break;
        case '\'': out += "\\'"; break;
        case '\\': out += "\\\\"; break;
        default:
          if (c < 0x20 || c >= 0x7F) {
            out += '\\';
            out += static_cast<char>('0' + (c >> 6));
            out += static_cast<char>('0' + ((c >> 3) & 7));
            out += static_cast<char>('0' + (c & 7));
          } else {
            out += ch;
          }
      }
    }
    return out;
  }

 private:
  void line(std::string_view head, std::string_view tail) {
    out_.append(2 * static_cast<std::size_t>(depth_), ' ');
    out_ += head;
    out_ += tail;
    out_ += '\n';
  }
  std::string out_;
  int depth_ = 0;
};

namespace detail {

template <class P>
void print_shape(P& p, const std::vector<std::int64_t>& dims) {
  for (const std::int64_t d : dims) {
    p.open("dim");
    if (d != 0) p.number("size", d);
    p.close();
  }
}

template <class P>
void print_tensor(P& p, const tensor_proto& t) {
  if (t.dtype != tf_dtype::invalid) p.word("dtype", dtype_enum_name(t.dtype));
  p.open("tensor_shape");
  print_shape(p, t.dims);
  p.close();
  if (!t.content.empty()) p.string("tensor_content", t.content);
  for (const auto& s : t.strings) p.string("string_val", s);
}

template <class P>
void print_attr(P& p, const attr_value& v) {
  using k = attr_value::kind;
  switch (v.which()) {
    case k::s: return p.string("s", *v.get<std::string>());
    case k::i: return p.number("i", *v.get<std::int64_t>());
    case k::f: return p.real("f", *v.get<float>());
    case k::b: return p.word("b", *v.get<bool>() ? "true" : "false");
    case k::type: return p.word("type", dtype_enum_name(*v.get<tf_dtype>()));
    case k::shape: return p.open("shape"), print_shape(p, v.get<shape_proto>()->dims), p.close();
    case k::tensor: return p.open("tensor"), print_tensor(p, *v.get<tensor_proto>()), p.close();
    case k::list_i:
    case k::list_type:
    case k::list_s: break;
  }
  p.open("list");
  if (const auto* l = v.get<int_list>())
    for (const std::int64_t i : l->values) p.number("i", i);
  if (const auto* l = v.get<type_list>())
    for (const tf_dtype t : l->values) p.word("type", dtype_enum_name(t));
  if (const auto* l = v.get<string_list>())
    for (const auto& s : l->values) p.string("s", s);
  p.close();
}

template <class P>
void print_node(P& p, const node_def& n) {
  if (!n.name.empty()) p.string("name", n.name);
  if (!n.op.empty()) p.string("op", n.op);
  for (const auto& in : n.inputs) p.string("input", in);
  if (!n.device.empty()) p.string("device", n.device);
  for (const auto& [key, value] : n.attrs) {
    p.open("attr");
    p.string("key", key);
    p.open("value");
    print_attr(p, value);
    p.close();
    p.close();
  }
}

/// Writes `bytes` to `path` whole or not at all (io/atomic_file.hpp; `sync`: fsync first).
inline void write_file(const std::filesystem::path& path, std::string_view bytes, bool sync = true) {
  atomic_file f(path, sync);
  f.append(bytes);
  f.commit();
}

inline bool is_text_path(const std::filesystem::path& path) {
  const auto ext = path.extension();
  return ext == ".pbtxt" || ext == ".txt";
}

}  // namespace detail

// ================================================================================ messages

/// A GraphDef: its nodes and `versions { producer }`.
struct graph_def {
  std::vector<node_def> nodes;
  int producer = graph_def_producer;

  /// The node named `name`, or nullptr.
  const node_def* find(std::string_view name) const {
    for (const auto& n : nodes)
      if (n.name == name) return &n;
    return nullptr;
  }

  // The encoders are templates (over the writer and printer types) so that a program that
  // includes this header, as every user of the saver does, compiles them only when it writes
  // a graph.

  /// The message's fields, in a writer (MetaGraphDef nests them).
  template <class W>
  void write_fields(W& w) const {
    for (const auto& n : nodes) w.message(1, [&](auto& m) { detail::write_node(m, n); });
    w.message(4, [&](auto& v) {
      if (producer != 0) v.int64(1, producer);
    });
  }
  template <class P>
  void print_fields(P& p) const {
    for (const auto& n : nodes) p.open("node"), detail::print_node(p, n), p.close();
    p.open("versions");
    if (producer != 0) p.number("producer", producer);
    p.close();
  }

  /// The binary message (`.pb`).
  template <class W = proto::writer>
  std::string serialize() const {
    W w;
    write_fields(w);
    return w.take();
  }
  /// The text message (`.pbtxt`).
  template <class P = text_printer>
  std::string text() const {
    P p;
    print_fields(p);
    return p.take();
  }
  /// Writes `path` (atomically): text when it ends in `.pbtxt` or `.txt`, binary otherwise.
  template <class W = proto::writer, class P = text_printer>
  void write(const std::filesystem::path& path, bool sync = true) const {
    detail::write_file(path, detail::is_text_path(path) ? text<P>() : serialize<W>(), sync);
  }
};

/// A SaverDef: the node names through which TF's Saver saves and restores.
struct saver_def {
  std::string filename_tensor_name = "save/Const:0";
  std::string save_tensor_name = "save/control_dependency:0";
  std::string restore_op_name = "save/restore_all";
  std::int32_t max_to_keep = 5;
  bool sharded = false;
  float keep_checkpoint_every_n_hours = 10000.0f;
  int version = 2;  ///< CheckpointFormatVersion V2: the tensor bundle

  template <class W>
  void write_fields(W& w) const {
    if (!filename_tensor_name.empty()) w.bytes(1, filename_tensor_name);
    if (!save_tensor_name.empty()) w.bytes(2, save_tensor_name);
    if (!restore_op_name.empty()) w.bytes(3, restore_op_name);
    if (max_to_keep != 0) w.int64(4, max_to_keep);
    if (sharded) w.boolean(5, true);
    if (keep_checkpoint_every_n_hours != 0.0f) w.float32(6, keep_checkpoint_every_n_hours);
    if (version != 0) w.uint64(7, static_cast<std::uint64_t>(version));
  }
  template <class P>
  void print_fields(P& p) const {
    if (!filename_tensor_name.empty()) p.string("filename_tensor_name", filename_tensor_name);
    if (!save_tensor_name.empty()) p.string("save_tensor_name", save_tensor_name);
    if (!restore_op_name.empty()) p.string("restore_op_name", restore_op_name);
    if (max_to_keep != 0) p.number("max_to_keep", max_to_keep);
    if (sharded) p.word("sharded", "true");
    if (keep_checkpoint_every_n_hours != 0.0f) p.real("keep_checkpoint_every_n_hours", keep_checkpoint_every_n_hours);
    if (version != 0) p.word("version", version == 2 ? "V2" : version == 1 ? "V1" : "LEGACY");
  }
};

/// A MetaGraphDef: `meta_info_def { tags }`, the GraphDef and the SaverDef (TF's
/// `PREFIX.meta` beside a checkpoint).
struct meta_graph_def {
  std::vector<std::string> tags;
  graph_def graph;
  saver_def saver;

  template <class W = proto::writer>
  std::string serialize() const {
    W w;
    if (!tags.empty())
      w.message(1, [&](auto& info) {
        for (const auto& t : tags) info.bytes(4, t);
      });
    w.message(2, [&](auto& g) { graph.write_fields(g); });
    w.message(3, [&](auto& s) { saver.write_fields(s); });
    return w.take();
  }
  template <class P = text_printer>
  std::string text() const {
    P p;
    if (!tags.empty()) {
      p.open("meta_info_def");
      for (const auto& t : tags) p.string("tags", t);
      p.close();
    }
    p.open("graph_def"), graph.print_fields(p), p.close();
    p.open("saver_def"), saver.print_fields(p), p.close();
    return p.take();
  }
  template <class W = proto::writer, class P = text_printer>
  void write(const std::filesystem::path& path, bool sync = true) const {
    detail::write_file(path, detail::is_text_path(path) ? text<P>() : serialize<W>(), sync);
  }
};

}  // namespace staticflow::io::graphdef
#endif  // STATICFLOW_IO_GRAPH_DEF_HPP
