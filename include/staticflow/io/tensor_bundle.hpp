// SPDX-License-Identifier: MIT
/// \file
/// \brief TensorFlow's tensor bundle (the V2 checkpoint format): `PREFIX.index` and
/// `PREFIX.data-00000-of-00001`, written byte for byte as TensorFlow's BundleWriter writes
/// them, and read with every length and checksum checked.
///
/// `PREFIX.index` is a table (io/table.hpp) mapping "" to a BundleHeaderProto (num_shards = 1,
/// little-endian, version {producer: 1}) and each tensor's name to a BundleEntryProto: dtype
/// (TF's DataType number), shape (TensorShapeProto), shard_id, offset and size of its bytes in
/// the data file, and their masked CRC32C. The data file holds the tensors' raw little-endian
/// bytes back to back. Protobuf field numbers are those of tensor_bundle.proto,
/// tensor_shape.proto and versions.proto.
#pragma once
#ifndef STATICFLOW_IO_TENSOR_BUNDLE_HPP
#define STATICFLOW_IO_TENSOR_BUNDLE_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "staticflow/core/dtype.hpp"
#include "staticflow/core/error.hpp"
#include "staticflow/io/atomic_file.hpp"
#include "staticflow/io/file.hpp"
#include "staticflow/io/crc32c.hpp"
#include "staticflow/io/protobuf.hpp"
#include "staticflow/io/table.hpp"

namespace staticflow::io::bundle {

/// TensorFlow's DataType numbers (types.proto) of the dtypes staticflow holds, and a few others
/// a checkpoint written by TensorFlow may contain.
enum class tf_dtype : int {
  invalid = 0, float32 = 1, float64 = 2, int32 = 3, uint8 = 4, int16 = 5, int8 = 6, string = 7,
  int64 = 9, boolean = 10, bfloat16 = 14, uint16 = 17, float16 = 19, uint32 = 22, uint64 = 23,
};

constexpr tf_dtype to_tf(dtype d) noexcept {
  switch (d) {
    case dtype::float32: return tf_dtype::float32;
    case dtype::float64: return tf_dtype::float64;
    case dtype::bfloat16: return tf_dtype::bfloat16;
    case dtype::int8: return tf_dtype::int8;
    case dtype::int16: return tf_dtype::int16;
    case dtype::int32: return tf_dtype::int32;
    case dtype::int64: return tf_dtype::int64;
    case dtype::uint8: return tf_dtype::uint8;
    case dtype::boolean: return tf_dtype::boolean;
    case dtype::uint16: return tf_dtype::uint16;
  }
  return tf_dtype::invalid;
}

/// "float32", "int64", ... as TF names them ("DT_<n>" for numbers it does not list here).
inline std::string tf_dtype_name(tf_dtype t) {
  switch (t) {
    case tf_dtype::float32: return "float32";
    case tf_dtype::float64: return "float64";
    case tf_dtype::int32: return "int32";
    case tf_dtype::uint8: return "uint8";
    case tf_dtype::int16: return "int16";
    case tf_dtype::int8: return "int8";
    case tf_dtype::string: return "string";
    case tf_dtype::int64: return "int64";
    case tf_dtype::boolean: return "bool";
    case tf_dtype::bfloat16: return "bfloat16";
    case tf_dtype::uint16: return "uint16";
    case tf_dtype::float16: return "float16";
    case tf_dtype::uint32: return "uint32";
    case tf_dtype::uint64: return "uint64";
    default: return "DT_" + std::to_string(static_cast<int>(t));
  }
}

/// Bytes per element of a fixed-size dtype; 0 for strings and unknown numbers.
constexpr std::size_t element_size(tf_dtype t) noexcept {
  switch (t) {
    case tf_dtype::float32: case tf_dtype::int32: case tf_dtype::uint32: return 4;
    case tf_dtype::float64: case tf_dtype::int64: case tf_dtype::uint64: return 8;
    case tf_dtype::int16: case tf_dtype::uint16: case tf_dtype::bfloat16: case tf_dtype::float16: return 2;
    case tf_dtype::uint8: case tf_dtype::int8: case tf_dtype::boolean: return 1;
    default: return 0;
  }
}

/// "[784, 500]" for messages.
inline std::string shape_string(const std::vector<std::int64_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

/// One tensor's BundleEntryProto.
struct entry {
  tf_dtype dtype = tf_dtype::invalid;
  std::vector<std::int64_t> shape;
  std::int32_t shard_id = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t crc32c = 0;  ///< masked, of the `size` bytes
  bool sliced = false;       ///< a partitioned variable's slices (not read by staticflow)
};

inline std::string index_filename(const std::string& prefix) { return prefix + ".index"; }
/// "PREFIX.data-00000-of-00001".
inline std::string data_filename(const std::string& prefix, int shard, int num_shards) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ".data-%05d-of-%05d", shard, num_shards);
  return prefix + buf;
}

/// The serialised BundleEntryProto (proto3: fields at their defaults are left out, the shape is
/// always present, as TensorFlow's SerializeAsString writes it).
inline std::string encode_entry(const entry& e) {
  proto::writer w;
  if (e.dtype != tf_dtype::invalid) w.uint64(1, static_cast<std::uint64_t>(e.dtype));
  w.message(2, [&](proto::writer& shape) {
    for (const auto d : e.shape)
      shape.message(2, [&](proto::writer& dim) {
        if (d != 0) dim.int64(1, d);
      });
  });
  if (e.shard_id != 0) w.int64(3, e.shard_id);
  if (e.offset != 0) w.uint64(4, e.offset);
  if (e.size != 0) w.uint64(5, e.size);
  if (e.crc32c != 0) w.fixed32(6, e.crc32c);
  return w.take();
}

/// BundleHeaderProto {num_shards: 1, endianness: LITTLE, version {producer: 1}}.
inline std::string encode_header() {
  proto::writer w;
  w.int64(1, 1);
  w.message(3, [](proto::writer& v) { v.int64(1, 1); });
  return w.take();
}

namespace detail {

inline std::vector<std::int64_t> decode_shape(proto::reader r) {
  std::vector<std::int64_t> dims;
  for (proto::field f; r.next(f);) {
    if (f.number == 3 && r.as_bool(f))
      staticflow::detail::fail<data_loss>({r.context(), ": the shape has unknown rank"});
    if (f.number != 2) continue;
    std::int64_t size = 0;
    auto dim = r.message(f);
    for (proto::field g; dim.next(g);)
      if (g.number == 1) size = dim.as_int64(g);
    if (size < 0) staticflow::detail::fail<data_loss>({r.context(), ": dimension ", dims.size(), " is ", size});
    dims.push_back(size);
  }
  return dims;
}

}  // namespace detail

/// Decodes a BundleEntryProto; `context` names the file and tensor in errors.
inline entry decode_entry(std::string_view bytes, std::string_view context) {
  entry e;
  proto::reader r(bytes, context);
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1: e.dtype = static_cast<tf_dtype>(r.as_uint64(f) & 0x7fffffff); break;
      case 2: e.shape = detail::decode_shape(r.message(f)); break;
      case 3: e.shard_id = static_cast<std::int32_t>(r.as_int64(f)); break;
      case 4: e.offset = r.as_uint64(f); break;
      case 5: e.size = r.as_uint64(f); break;
      case 6: e.crc32c = r.as_fixed32(f); break;
      case 7: e.sliced = true; break;
      default: break;  // later fields are skipped, as protobuf does
    }
  }
  return e;
}

/// Writes one bundle: `add` each tensor (any order; names unique), then `finish`. The data file
/// is written first and renamed into place, then the index (TensorFlow's order); a writer
/// destroyed before `finish` leaves nothing behind.
/// **Errors:** an empty or duplicate name: invalid_argument; file errors: internal_error.
class writer {
 public:
  explicit writer(std::string prefix, bool sync = true)
      : prefix_(std::move(prefix)), sync_(sync), data_(data_filename(prefix_, 0, 1), sync) {}

  void add(const std::string& name, tf_dtype type, std::vector<std::int64_t> shape, const void* data,
           std::size_t bytes) {
    if (name.empty()) staticflow::detail::fail<invalid_argument>({"staticflow::io::bundle::writer: '", prefix_, "': a tensor needs a name"});
    if (entries_.count(name))
      staticflow::detail::fail<invalid_argument>({"staticflow::io::bundle::writer: '", prefix_, "': duplicate tensor '", name, "'"});
    entry& e = entries_[name];
    e.dtype = type, e.shape = std::move(shape), e.offset = data_.size(), e.size = bytes;
    e.crc32c = crc32c_mask(crc32c(data, bytes));
    data_.append(data, bytes);
  }

  void finish() {
    data_.commit();
    table::writer t;
    t.add("", encode_header());
    for (const auto& [name, e] : entries_) t.add(name, encode_entry(e));
    atomic_file index(index_filename(prefix_), sync_);
    index.append(t.finish());
    index.commit();
  }

 private:
  std::string prefix_;
  bool sync_;
  atomic_file data_;
  std::map<std::string, entry> entries_;
};

/// Reads a bundle: the index at construction, tensors on request.
/// **Errors:** a missing index or data file: not_found; a corrupt index (table, header or entry),
/// an entry outside its data file, a size that does not fit dtype and shape, a CRC mismatch:
/// data_loss naming the file and the tensor; big-endian bundles, sliced tensors, a version this
/// reader is too old for: unimplemented.
class reader {
 public:
  explicit reader(std::string prefix) : prefix_(std::move(prefix)) {
    const std::string path = index_filename(prefix_);
    index_bytes_ = read_file(path, who).read_all(who);
    table::reader t(index_bytes_, path);
    if (t.entries().empty() || !t.entries().front().first.empty())
      staticflow::detail::fail<data_loss>({"staticflow::io::bundle::reader: '", path, "' has no header entry (key \"\")"});
    read_header(t.entries().front().second, path);
    for (std::size_t i = 1; i < t.entries().size(); ++i) {
      const auto& [name, value] = t.entries()[i];
      const std::string context = "'" + path + "', tensor '" + name + "'";
      entry e = decode_entry(value, context);
      check_entry(e, context);
      entries_.emplace(name, std::move(e));
    }
  }

  const std::string& prefix() const noexcept { return prefix_; }
  const std::map<std::string, entry>& entries() const noexcept { return entries_; }
  const entry* find(const std::string& name) const {
    const auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }

  /// Reads tensor `name`'s `bytes` bytes into `out` and checks their CRC.
  void read(const std::string& name, void* out, std::size_t bytes) const {
    const entry* e = find(name);
    if (!e) staticflow::detail::fail<not_found>({"staticflow::io::bundle::reader: '", prefix_, "' has no tensor '", name, "'"});
    if (e->size != bytes)
      staticflow::detail::fail<invalid_argument>({"staticflow::io::bundle::reader: tensor '", name, "' of '", prefix_,
                                                  "' has ", e->size, " bytes, the destination ", bytes});
    const read_file& file = shard(e->shard_id);
    if (!file.read_at(out, bytes, e->offset))
      staticflow::detail::fail<data_loss>({who, ": '", file.path(), "': cannot read tensor '", name, "' (", bytes,
                                           " bytes at offset ", e->offset, ")"});
    const std::uint32_t crc = crc32c_mask(crc32c(out, bytes));
    if (crc != e->crc32c)
      staticflow::detail::fail<data_loss>({who, ": '", file.path(), "': tensor '", name,
                                           "' fails its CRC32C (stored ", e->crc32c, ", computed ", crc,
                                           "): the checkpoint is corrupt"});
  }

  /// Up to `k` names closest to `name` (edit distance), for "did you mean" messages.
  std::vector<std::string> closest(const std::string& name, std::size_t k = 3) const {
    std::vector<std::pair<std::size_t, std::string>> scored;
    for (const auto& [n, e] : entries_) scored.emplace_back(edit_distance(name, n), n);
    std::sort(scored.begin(), scored.end());
    std::vector<std::string> out;
    for (std::size_t i = 0; i < scored.size() && i < k; ++i) out.push_back(scored[i].second);
    return out;
  }

 private:
  static constexpr const char* who = "staticflow::io::bundle::reader";

  void read_header(std::string_view value, const std::string& path) {
    proto::reader r(value, "checkpoint header");
    for (proto::field f; r.next(f);) {
      if (f.number == 1) num_shards_ = r.as_int64(f);
      if (f.number == 2 && r.as_uint64(f) != 0)
        staticflow::detail::fail<unimplemented>({"staticflow::io::bundle::reader: '", path, "' is a big-endian bundle"});
      if (f.number == 3) {
        auto v = r.message(f);
        for (proto::field g; v.next(g);)
          if (g.number == 2 && v.as_int64(g) > 1)
            staticflow::detail::fail<unimplemented>({"staticflow::io::bundle::reader: '", path,
                                                     "' needs a bundle reader of version ", v.as_int64(g),
                                                     " or later; this one is version 1"});
      }
    }
    if (num_shards_ < 1 || num_shards_ > 100000)
      staticflow::detail::fail<data_loss>({"staticflow::io::bundle::reader: '", path, "': num_shards is ", num_shards_});
    shards_.resize(static_cast<std::size_t>(num_shards_));
  }
  void check_entry(const entry& e, const std::string& context) const {
    if (e.sliced)
      staticflow::detail::fail<unimplemented>({context, ": a partitioned (sliced) variable; staticflow reads whole tensors"});
    if (e.shard_id < 0 || e.shard_id >= num_shards_)
      staticflow::detail::fail<data_loss>({context, ": shard ", e.shard_id, " of ", num_shards_});
    const std::size_t width = element_size(e.dtype);
    if (width == 0) return;  // strings: their layout is not fixed; read() still checks size and CRC
    std::uint64_t elements = 1;
    for (const auto d : e.shape) {
      if (d != 0 && elements > (std::uint64_t{1} << 62) / static_cast<std::uint64_t>(d))
        staticflow::detail::fail<data_loss>({context, ": shape ", shape_string(e.shape), " is too large"});
      elements *= static_cast<std::uint64_t>(d);
    }
    if (elements * width != e.size)
      staticflow::detail::fail<data_loss>({context, ": ", e.size, " bytes do not hold ", tf_dtype_name(e.dtype), " ",
                                           shape_string(e.shape), " (", elements * width, " bytes)"});
  }
  /// Shard `id`'s data file, opened on first use, when it holds every tensor the index puts in it.
  const read_file& shard(std::int32_t id) const {
    auto& s = shards_[static_cast<std::size_t>(id)];
    if (!s) {
      read_file f(data_filename(prefix_, id, static_cast<int>(num_shards_)), who);
      for (const auto& [name, e] : entries_)
        if (e.shard_id == id && (e.offset > f.size() || e.size > f.size() - e.offset))
          staticflow::detail::fail<data_loss>({who, ": '", f.path(), "': tensor '", name, "' (", e.size,
                                               " bytes at offset ", e.offset, ") lies past the end of the ", f.size(),
                                               "-byte file (truncated?)"});
      s.emplace(std::move(f));
    }
    return *s;
  }
  static std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
        diag = up;
      }
    }
    return row[b.size()];
  }

  std::string prefix_;
  std::string index_bytes_;
  std::int64_t num_shards_ = 0;
  std::map<std::string, entry> entries_;
  mutable std::vector<std::optional<read_file>> shards_;
};

}  // namespace staticflow::io::bundle
#endif  // STATICFLOW_IO_TENSOR_BUNDLE_HPP
