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

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <variant>
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

/// An AttrValue: one member of its oneof (s, i, f, b, type, shape, tensor, or a list).
using attr_value = std::variant<std::string, std::int64_t, float, bool, tf_dtype, shape_proto, tensor_proto, int_list,
                                type_list, string_list>;

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
    return it == attrs.end() ? nullptr : std::get_if<T>(&it->second);
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

inline void write_shape(proto::writer& w, const std::vector<std::int64_t>& dims) {
  for (const std::int64_t d : dims)
    w.message(2, [&](proto::writer& dim) {
      if (d != 0) dim.int64(1, d);
    });
}

inline void write_tensor(proto::writer& w, const tensor_proto& t) {
  if (t.dtype != tf_dtype::invalid) w.uint64(1, static_cast<std::uint64_t>(t.dtype));
  w.message(2, [&](proto::writer& s) { write_shape(s, t.dims); });
  if (!t.content.empty()) w.bytes(4, t.content);
  for (const auto& s : t.strings) w.bytes(8, s);
}

/// The oneof member held, in its field (written even when it is the default value).
inline void write_attr(proto::writer& w, const attr_value& v) {
  struct visitor {
    proto::writer& w;
    void operator()(const std::string& s) const { w.bytes(2, s); }
    void operator()(std::int64_t i) const { w.int64(3, i); }
    void operator()(float f) const { w.float32(4, f); }
    void operator()(bool b) const { w.boolean(5, b); }
    void operator()(tf_dtype t) const { w.uint64(6, static_cast<std::uint64_t>(t)); }
    void operator()(const shape_proto& s) const {
      w.message(7, [&](proto::writer& m) { write_shape(m, s.dims); });
    }
    void operator()(const tensor_proto& t) const {
      w.message(8, [&](proto::writer& m) { write_tensor(m, t); });
    }
    void operator()(const int_list& l) const {
      w.message(1, [&](proto::writer& m) { m.packed_varints(3, std::span<const std::int64_t>(l.values)); });
    }
    void operator()(const type_list& l) const {
      std::vector<int> numbers;
      for (const tf_dtype t : l.values) numbers.push_back(static_cast<int>(t));
      w.message(1, [&](proto::writer& m) { m.packed_varints(6, std::span<const int>(numbers)); });
    }
    void operator()(const string_list& l) const {
      w.message(1, [&](proto::writer& m) {
        for (const auto& s : l.values) m.bytes(2, s);
      });
    }
  };
  std::visit(visitor{w}, v);
}

inline void write_node(proto::writer& w, const node_def& n) {
  if (!n.name.empty()) w.bytes(1, n.name);
  if (!n.op.empty()) w.bytes(2, n.op);
  for (const auto& in : n.inputs) w.bytes(3, in);
  if (!n.device.empty()) w.bytes(4, n.device);
  for (const auto& [key, value] : n.attrs)
    w.message(5, [&](proto::writer& entry) {
      entry.bytes(1, key);
      entry.message(2, [&](proto::writer& m) { write_attr(m, value); });
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
  void real(std::string_view field, float v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back the same float
    line(field, ": " + std::string(buf, r.ptr));
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

inline void print_shape(text_printer& p, const std::vector<std::int64_t>& dims) {
  for (const std::int64_t d : dims) {
    p.open("dim");
    if (d != 0) p.number("size", d);
    p.close();
  }
}

inline void print_tensor(text_printer& p, const tensor_proto& t) {
  if (t.dtype != tf_dtype::invalid) p.word("dtype", dtype_enum_name(t.dtype));
  p.open("tensor_shape");
  print_shape(p, t.dims);
  p.close();
  if (!t.content.empty()) p.string("tensor_content", t.content);
  for (const auto& s : t.strings) p.string("string_val", s);
}

inline void print_attr(text_printer& p, const attr_value& v) {
  struct visitor {
    text_printer& p;
    void operator()(const std::string& s) const { p.string("s", s); }
    void operator()(std::int64_t i) const { p.number("i", i); }
    void operator()(float f) const { p.real("f", f); }
    void operator()(bool b) const { p.word("b", b ? "true" : "false"); }
    void operator()(tf_dtype t) const { p.word("type", dtype_enum_name(t)); }
    void operator()(const shape_proto& s) const { p.open("shape"), print_shape(p, s.dims), p.close(); }
    void operator()(const tensor_proto& t) const { p.open("tensor"), print_tensor(p, t), p.close(); }
    void operator()(const int_list& l) const {
      p.open("list");
      for (const std::int64_t i : l.values) p.number("i", i);
      p.close();
    }
    void operator()(const type_list& l) const {
      p.open("list");
      for (const tf_dtype t : l.values) p.word("type", dtype_enum_name(t));
      p.close();
    }
    void operator()(const string_list& l) const {
      p.open("list");
      for (const auto& s : l.values) p.string("s", s);
      p.close();
    }
  };
  std::visit(visitor{p}, v);
}

inline void print_node(text_printer& p, const node_def& n) {
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

  /// The message's fields, in a writer (MetaGraphDef nests them).
  void write_fields(proto::writer& w) const {
    for (const auto& n : nodes) w.message(1, [&](proto::writer& m) { detail::write_node(m, n); });
    w.message(4, [&](proto::writer& v) {
      if (producer != 0) v.int64(1, producer);
    });
  }
  void print_fields(text_printer& p) const {
    for (const auto& n : nodes) p.open("node"), detail::print_node(p, n), p.close();
    p.open("versions");
    if (producer != 0) p.number("producer", producer);
    p.close();
  }

  /// The binary message (`.pb`).
  std::string serialize() const {
    proto::writer w;
    write_fields(w);
    return w.take();
  }
  /// The text message (`.pbtxt`).
  std::string text() const {
    text_printer p;
    print_fields(p);
    return p.take();
  }
  /// Writes `path` (atomically): text when it ends in `.pbtxt` or `.txt`, binary otherwise.
  void write(const std::filesystem::path& path, bool sync = true) const {
    detail::write_file(path, detail::is_text_path(path) ? text() : serialize(), sync);
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

  void write_fields(proto::writer& w) const {
    if (!filename_tensor_name.empty()) w.bytes(1, filename_tensor_name);
    if (!save_tensor_name.empty()) w.bytes(2, save_tensor_name);
    if (!restore_op_name.empty()) w.bytes(3, restore_op_name);
    if (max_to_keep != 0) w.int64(4, max_to_keep);
    if (sharded) w.boolean(5, true);
    if (keep_checkpoint_every_n_hours != 0.0f) w.float32(6, keep_checkpoint_every_n_hours);
    if (version != 0) w.uint64(7, static_cast<std::uint64_t>(version));
  }
  void print_fields(text_printer& p) const {
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

  std::string serialize() const {
    proto::writer w;
    if (!tags.empty())
      w.message(1, [&](proto::writer& info) {
        for (const auto& t : tags) info.bytes(4, t);
      });
    w.message(2, [&](proto::writer& g) { graph.write_fields(g); });
    w.message(3, [&](proto::writer& s) { saver.write_fields(s); });
    return w.take();
  }
  std::string text() const {
    text_printer p;
    if (!tags.empty()) {
      p.open("meta_info_def");
      for (const auto& t : tags) p.string("tags", t);
      p.close();
    }
    p.open("graph_def"), graph.print_fields(p), p.close();
    p.open("saver_def"), saver.print_fields(p), p.close();
    return p.take();
  }
  void write(const std::filesystem::path& path, bool sync = true) const {
    detail::write_file(path, detail::is_text_path(path) ? text() : serialize(), sync);
  }
};

}  // namespace staticflow::io::graphdef
#endif  // STATICFLOW_IO_GRAPH_DEF_HPP
