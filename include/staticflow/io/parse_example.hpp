// SPDX-License-Identifier: MIT
/// \file
/// \brief `parse_example` / `parse_single_example` / `parse_single_sequence_example` with a typed
/// schema, and `decode_raw<T>`.
///
/// A schema is a list of feature specs, as in TF 1.x:
/// - `fixed_len_feature<T, shape<E...>>{"key", default}`: exactly `E...` values per record;
///   a batch becomes `sf::tensor<T, shape<dyn, E...>>`, ready to feed a placeholder;
/// - `var_len_feature<T>{"key"}`: any number of values, returned as `sparse_values<T>` (values,
///   [record, position] indices and the dense shape, as a tf.SparseTensor);
/// - `fixed_len_sequence_feature<T, shape<E...>>{"key", pad}`: a multiple of `E...` values per
///   record (missing = none), padded to the longest record: `tensor<T, shape<dyn, dyn, E...>>`.
/// `T` is `float` (float_list), `std::int64_t` (int64_list) or `std::string` (bytes_list;
/// fixed-length strings come back as a `std::vector<std::string>` in row-major order).
///
/// Records are parsed straight from their wire bytes into the output tensors: no Example objects.
#pragma once
#ifndef STATICFLOW_IO_PARSE_EXAMPLE_HPP
#define STATICFLOW_IO_PARSE_EXAMPLE_HPP

#include <algorithm>
#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/core/shape.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/io/example.hpp"
#include "staticflow/io/protobuf.hpp"

namespace staticflow::io {

/// The value types a feature can hold: float, int64 and bytes.
template <class T>
concept feature_value = std::same_as<T, float> || std::same_as<T, std::int64_t> || std::same_as<T, std::string>;

/// A feature with exactly `Shape::static_size` values in every record (`shape<>`: one).
template <feature_value T, any_shape Shape = shape<>>
struct fixed_len_feature {
  static_assert(Shape::is_static, "sf::io::fixed_len_feature: the per-record shape must be static (no dyn extents)");
  using value_type = T;
  using shape_type = Shape;
  std::string key;
  /// Used for records without the feature; without it, such a record is an error. Must have
  /// `Shape::static_size` values.
  std::optional<std::vector<T>> default_value = std::nullopt;
};

/// A feature with any number of values per record.
template <feature_value T>
struct var_len_feature {
  using value_type = T;
  std::string key;
};

/// A feature with a multiple of `Shape::static_size` values per record (the steps); missing
/// means no steps. Shorter records are padded with `pad` up to the longest one in the batch.
template <feature_value T, any_shape Shape = shape<>>
struct fixed_len_sequence_feature {
  static_assert(Shape::is_static, "sf::io::fixed_len_sequence_feature: the per-step shape must be static");
  static_assert(!std::same_as<T, std::string>, "sf::io::fixed_len_sequence_feature: strings are not supported; use var_len_feature<std::string>");
  using value_type = T;
  using shape_type = Shape;
  std::string key;
  T pad = T{};
};

/// A var_len_feature's values for a batch, as a tf.SparseTensor: `values[k]` sits at
/// `indices[k] = {record, position}`; `dense_shape = {records, longest record}`.
template <class T>
struct sparse_values {
  std::vector<std::array<std::int64_t, 2>> indices;
  std::vector<T> values;
  std::array<std::int64_t, 2> dense_shape{};
};

namespace detail {

template <class S>
struct prepend_dyn;
template <std::size_t... E>
struct prepend_dyn<shape<E...>> {
  using type = shape<dyn, E...>;
  using type2 = shape<dyn, dyn, E...>;
};

/// The oneof field number of `T`'s list kind.
template <class T>
constexpr std::size_t kind_of = std::same_as<T, std::string> ? 1 : std::same_as<T, float> ? 2 : 3;

template <class Spec>
struct batch_result;
template <class T, class S>
struct batch_result<fixed_len_feature<T, S>> {
  using type = std::conditional_t<std::same_as<T, std::string>, std::vector<std::string>,
                                  tensor<std::conditional_t<std::same_as<T, std::string>, float, T>, typename prepend_dyn<S>::type>>;
};
template <class T>
struct batch_result<var_len_feature<T>> {
  using type = sparse_values<T>;
};
template <class T, class S>
struct batch_result<fixed_len_sequence_feature<T, S>> {
  using type = tensor<T, typename prepend_dyn<S>::type2>;
};

/// Where schema errors come from: "staticflow::io::parse_example: record 3: feature 'pixels': ".
struct parse_site {
  const char* api;
  std::size_t record;
  std::string_view key;
};

template <class... P>
[[noreturn]] void fail_schema(const parse_site& at, const P&... parts) {
  staticflow::detail::fail<invalid_argument>({at.api, ": record ", at.record, ": feature '", at.key, "' ", parts...});
}

/// Writes decoded values into a fixed-size row, counting past its end (for the message).
template <class T>
struct row_sink {
  T* dst;
  std::size_t cap;
  std::size_t n = 0;
  void push(T v) {
    if (n < cap) dst[n] = std::move(v);
    ++n;
  }
};

/// Appends decoded values to a vector.
template <class T>
struct vector_sink {
  std::vector<T>* dst;
  std::size_t n = 0;
  void push(T v) { dst->push_back(std::move(v)), ++n; }
};

inline float load_le_float(const std::byte* p) noexcept {
  std::uint32_t bits = 0;
  for (int b = 3; b >= 0; --b) bits = (bits << 8) | static_cast<std::uint8_t>(p[b]);
  return std::bit_cast<float>(bits);
}

/// Pushes the values of one list message of `T`'s kind into `sink`, packed or not.
template <class T, class Sink>
void read_values(proto::reader r, Sink& sink) {
  for (proto::field f; r.next(f);) {
    if (f.number != 1) continue;
    if constexpr (std::same_as<T, std::string>) {
      sink.push(std::string(r.as_string(f)));
    } else if constexpr (std::same_as<T, float>) {
      if (f.type == proto::wire_type::fixed32) {
        sink.push(r.as_float(f));
        continue;
      }
      const auto p = r.as_bytes(f);
      if (p.size() % 4 != 0) r.fail_at(f.offset, "packed float_list of ", p.size(), " bytes, not a multiple of 4");
      for (std::size_t i = 0; i < p.size(); i += 4) sink.push(load_le_float(p.data() + i));
    } else {
      if (f.type == proto::wire_type::varint) {
        sink.push(r.as_int64(f));
        continue;
      }
      proto::for_each_packed_varint(r, f, [&](std::uint64_t x) { sink.push(static_cast<std::int64_t>(x)); });
    }
  }
}

/// Pushes the values of a Feature message into `sink`; a Feature of another kind is a schema error.
template <class T, class Sink>
void read_feature_values(proto::reader r, Sink& sink, const parse_site& at) {
  for (proto::field f; r.next(f);) {
    if (f.number < 1 || f.number > 3) continue;
    if (f.number != kind_of<T>)
      fail_schema(at, "is a ", feature_kind_name(f.number), ", the schema asks for ", feature_kind_name(kind_of<T>));
    read_values<T>(r.message(f), sink);
  }
}

template <class Spec>
class column;

template <class T, class S>
class column<fixed_len_feature<T, S>> {
 public:
  using spec_type = fixed_len_feature<T, S>;
  static constexpr std::size_t size = S::static_size;

  column(const spec_type& spec, std::size_t batch, const char* api) : spec_(spec), out_(make(batch)) {
    if (spec.default_value && spec.default_value->size() != size)
      staticflow::detail::fail<invalid_argument>({api, ": feature '", spec.key, "': default_value has ", spec.default_value->size(),
                                                  " values, the shape ", staticflow::detail::extents_string(S::extents.data(), S::rank, true),
                                                  " needs ", size});
  }
  const std::string& key() const noexcept { return spec_.key; }

  void consume(proto::reader r, const parse_site& at) {
    row_sink<T> sink{row(at.record), size};
    read_feature_values<T>(r, sink, at);
    if (sink.n != size)
      fail_schema(at, "has ", sink.n, sink.n == 1 ? " value" : " values", ", the schema needs ", size, " (fixed_len_feature of shape ",
                  staticflow::detail::extents_string(S::extents.data(), S::rank, true), ")");
    seen_ = true;
  }
  void end_record(const parse_site& at) {
    if (!std::exchange(seen_, false)) {
      if (!spec_.default_value) fail_schema(at, "is missing and its fixed_len_feature has no default_value");
      std::copy(spec_.default_value->begin(), spec_.default_value->end(), row(at.record));
    }
  }
  typename batch_result<spec_type>::type take() { return std::move(out_); }

 private:
  using result = typename batch_result<spec_type>::type;
  static result make(std::size_t batch) {
    if constexpr (std::same_as<T, std::string>) return result(batch * size);
    else return result(batch);
  }
  T* row(std::size_t i) { return out_.data() + i * size; }

  const spec_type& spec_;
  result out_;
  bool seen_ = false;
};

template <class T>
class column<var_len_feature<T>> {
 public:
  using spec_type = var_len_feature<T>;
  column(const spec_type& spec, std::size_t batch, const char*) : spec_(spec) { out_.dense_shape = {static_cast<std::int64_t>(batch), 0}; }
  const std::string& key() const noexcept { return spec_.key; }

  void consume(proto::reader r, const parse_site& at) {
    // A repeated key in one record replaces the earlier values (protobuf map semantics).
    out_.values.resize(record_start_);
    vector_sink<T> sink{&out_.values};
    read_feature_values<T>(r, sink, at);
  }
  void end_record(const parse_site& at) {
    const std::size_t n = out_.values.size() - record_start_;
    for (std::size_t j = 0; j < n; ++j)
      out_.indices.push_back({static_cast<std::int64_t>(at.record), static_cast<std::int64_t>(j)});
    out_.dense_shape[1] = std::max(out_.dense_shape[1], static_cast<std::int64_t>(n));
    record_start_ = out_.values.size();
  }
  sparse_values<T> take() { return std::move(out_); }

 private:
  const spec_type& spec_;
  sparse_values<T> out_;
  std::size_t record_start_ = 0;
};

template <class T, class S>
class column<fixed_len_sequence_feature<T, S>> {
 public:
  using spec_type = fixed_len_sequence_feature<T, S>;
  static constexpr std::size_t step = S::static_size;
  column(const spec_type& spec, std::size_t batch, const char*) : spec_(spec) { starts_.reserve(batch + 1), starts_.push_back(0); }
  const std::string& key() const noexcept { return spec_.key; }

  void consume(proto::reader r, const parse_site& at) {
    values_.resize(starts_.back());
    vector_sink<T> sink{&values_};
    read_feature_values<T>(r, sink, at);
    if (step != 0 && sink.n % step != 0)
      fail_schema(at, "has ", sink.n, " values, not a multiple of ", step, " (fixed_len_sequence_feature of step shape ",
                  staticflow::detail::extents_string(S::extents.data(), S::rank, true), ")");
  }
  void end_record(const parse_site&) { starts_.push_back(values_.size()); }

  typename batch_result<spec_type>::type take() {
    const std::size_t batch = starts_.size() - 1;
    std::size_t steps = 0;
    for (std::size_t i = 0; i < batch; ++i) steps = std::max(steps, step ? (starts_[i + 1] - starts_[i]) / step : 0);
    typename batch_result<spec_type>::type out(batch, steps);
    T* d = out.data();
    for (std::size_t i = 0; i < batch; ++i, d += steps * step) {
      const auto b = values_.begin() + static_cast<std::ptrdiff_t>(starts_[i]);
      const auto e = values_.begin() + static_cast<std::ptrdiff_t>(starts_[i + 1]);
      std::fill(std::copy(b, e, d), d + steps * step, spec_.pad);
    }
    return out;
  }

 private:
  const spec_type& spec_;
  std::vector<T> values_;
  std::vector<std::size_t> starts_;
};

inline std::span<const std::byte> record_bytes(std::string_view s) noexcept { return std::as_bytes(std::span(s.data(), s.size())); }
inline std::span<const std::byte> record_bytes(std::span<const std::byte> s) noexcept { return s; }

/// Calls `fn(std::get<I>(cols))` for the column whose key is `key`, if any (the last one wins
/// should two specs share a key).
template <class Cols, class F, std::size_t... I>
void with_column(Cols& cols, std::string_view key, F&& fn, std::index_sequence<I...>) {
  std::size_t hit = sizeof...(I);
  ((std::get<I>(cols).key() == key ? void(hit = I) : void()), ...);
  ((hit == I ? void(fn(std::get<I>(cols))) : void()), ...);
}

/// Hands each entry of a map message (Features' feature, FeatureLists' feature_list: field 1)
/// to the column of its key.
template <class Cols>
void parse_map(proto::reader map, std::size_t index, Cols& cols, const char* api, const char* message) {
  constexpr auto seq = std::make_index_sequence<std::tuple_size_v<Cols>>{};
  for (proto::field e; map.next(e);) {
    if (e.number != 1) continue;
    const map_entry entry = read_map_entry(map.message(e));
    with_column(cols, entry.key, [&](auto& col) {
      col.consume(proto::reader(entry.value, message, entry.value_offset), parse_site{api, index, entry.key});
    }, seq);
  }
}
template <class Cols>
void end_record(Cols& cols, std::size_t index, const char* api) {
  std::apply([&](auto&... col) { (col.end_record(parse_site{api, index, col.key()}), ...); }, cols);
}

/// Parses one serialized Example into the columns.
template <class Cols>
void parse_one(std::span<const std::byte> bytes, std::size_t index, Cols& cols, const char* api) {
  proto::reader r(bytes, "tf.train.Example");
  for (proto::field f; r.next(f);)
    if (f.number == 1) parse_map(r.message(f), index, cols, api, "tf.train.Example");
  end_record(cols, index, api);
}

/// A SequenceExample's feature list under a sequence spec: one Feature per step.
template <class Spec>
class step_column;
template <class Spec>
inline constexpr bool is_step_spec_v = false;
template <class T, class S>
inline constexpr bool is_step_spec_v<fixed_len_sequence_feature<T, S>> = true;
template <class T>
inline constexpr bool is_step_spec_v<var_len_feature<T>> = true;

/// fixed_len_sequence_feature: every step has exactly the step shape's values; the result is
/// `tensor<T, shape<dyn, E...>>` of [steps, E...]. A missing list has no steps.
template <class T, class S>
class step_column<fixed_len_sequence_feature<T, S>> {
 public:
  using spec_type = fixed_len_sequence_feature<T, S>;
  static constexpr std::size_t step = S::static_size;
  step_column(const spec_type& spec, const char*) : spec_(spec) {}
  const std::string& key() const noexcept { return spec_.key; }

  void consume(proto::reader list, const parse_site& at) {
    values_.clear(), steps_ = 0;
    for (proto::field f; list.next(f);) {
      if (f.number != 1) continue;
      vector_sink<T> sink{&values_};
      read_feature_values<T>(list.message(f), sink, at);
      if (sink.n != step)
        fail_schema(at, "step ", steps_, " has ", sink.n, sink.n == 1 ? " value" : " values", ", the schema needs ", step,
                    " (fixed_len_sequence_feature of step shape ",
                    staticflow::detail::extents_string(S::extents.data(), S::rank, true), ")");
      ++steps_;
    }
  }
  void end_record(const parse_site&) {}
  tensor<T, typename prepend_dyn<S>::type> take() {
    tensor<T, typename prepend_dyn<S>::type> out(steps_);
    std::copy(values_.begin(), values_.end(), out.data());
    return out;
  }

 private:
  const spec_type& spec_;
  std::vector<T> values_;
  std::size_t steps_ = 0;
};

/// var_len_feature: any number of values per step, as sparse_values indexed [step, position].
template <class T>
class step_column<var_len_feature<T>> {
 public:
  using spec_type = var_len_feature<T>;
  step_column(const spec_type& spec, const char*) : spec_(spec) {}
  const std::string& key() const noexcept { return spec_.key; }

  void consume(proto::reader list, const parse_site& at) {
    out_ = {};
    std::int64_t steps = 0;
    for (proto::field f; list.next(f);) {
      if (f.number != 1) continue;
      vector_sink<T> sink{&out_.values};
      read_feature_values<T>(list.message(f), sink, at);
      for (std::size_t j = 0; j < sink.n; ++j) out_.indices.push_back({steps, static_cast<std::int64_t>(j)});
      out_.dense_shape[1] = std::max(out_.dense_shape[1], static_cast<std::int64_t>(sink.n));
      ++steps;
    }
    out_.dense_shape[0] = steps;
  }
  void end_record(const parse_site&) {}
  sparse_values<T> take() { return std::move(out_); }

 private:
  const spec_type& spec_;
  sparse_values<T> out_;
};

template <class Records, class... Specs>
auto parse_batch(const Records& records, const char* api, const Specs&... specs) {
  const std::size_t batch = std::ranges::size(records);
  std::tuple<column<Specs>...> cols{column<Specs>(specs, batch, api)...};
  std::size_t i = 0;
  for (const auto& rec : records) {
    try {
      parse_one(record_bytes(rec), i, cols, api);
    } catch (const data_loss& e) {
      staticflow::detail::fail<data_loss>({api, ": record ", i, ": ", e.what()});
    }
    ++i;
  }
  return std::apply([](auto&... col) { return std::tuple<typename batch_result<Specs>::type...>(col.take()...); }, cols);
}

/// A batch-of-one result without its batch axis.
template <class T, std::size_t... E>
tensor<T, shape<E...>> unbatch(tensor<T, shape<dyn, E...>>&& t) {
  tensor<T, shape<E...>> out;
  std::copy(t.data(), t.data() + out.size(), out.data());
  return out;
}
template <class T, std::size_t... E>
tensor<T, shape<dyn, E...>> unbatch(tensor<T, shape<dyn, dyn, E...>>&& t) {
  tensor<T, shape<dyn, E...>> out(t.dim(1));
  std::copy(t.data(), t.data() + out.size(), out.data());
  return out;
}
inline std::vector<std::string> unbatch(std::vector<std::string>&& v) { return std::move(v); }
template <class T>
std::vector<T> unbatch(sparse_values<T>&& s) {
  return std::move(s.values);
}

}  // namespace detail

/// Parses one serialized tf.train.SequenceExample (TF's parse_single_sequence_example):
/// `context` is a tuple of fixed_len_feature / var_len_feature specs for its context (results
/// as parse_single_example's), `sequence` a tuple of fixed_len_sequence_feature /
/// var_len_feature specs for its feature lists: `tensor<T, shape<dyn, E...>>` of [steps, E...]
/// and `sparse_values<T>` indexed [step, position] (dense_shape {steps, longest step}). A missing
/// feature list has no steps (TF's allow_missing = True).
///
/// **Errors**: as parse_example's, with the step named for a step of the wrong size or kind.
///
/// **Example:**
/// ```
/// auto [context, lists] = sf::io::parse_single_sequence_example(record,
///     std::tuple{sf::io::fixed_len_feature<std::int64_t>{"length"}},
///     std::tuple{sf::io::fixed_len_sequence_feature<float, sf::shape<3>>{"frames"},
///                sf::io::var_len_feature<std::int64_t>{"tokens"}});
/// auto [frames, tokens] = lists;   // frames: [steps, 3]
/// ```
template <class... Context, class... Sequence>
auto parse_single_sequence_example(std::span<const std::byte> record, const std::tuple<Context...>& context,
                                   const std::tuple<Sequence...>& sequence) {
  static_assert((detail::is_step_spec_v<Sequence> && ...),
                "sf::io::parse_single_sequence_example: sequence features are fixed_len_sequence_feature or "
                "var_len_feature (a fixed_len_feature belongs in the context)");
  constexpr const char* api = "staticflow::io::parse_single_sequence_example";
  auto ctx = std::apply([&](const auto&... c) { return std::tuple<detail::column<Context>...>{detail::column<Context>(c, 1, api)...}; },
                        context);
  auto seq = std::apply([&](const auto&... c) { return std::tuple<detail::step_column<Sequence>...>{detail::step_column<Sequence>(c, api)...}; },
                        sequence);
  proto::reader r(record, "tf.train.SequenceExample");
  for (proto::field f; r.next(f);) {
    if (f.number == 1) detail::parse_map(r.message(f), 0, ctx, api, "tf.train.SequenceExample");
    if (f.number == 2) detail::parse_map(r.message(f), 0, seq, api, "tf.train.SequenceExample");
  }
  detail::end_record(ctx, 0, api);
  return std::pair(std::apply([](auto&... c) { return std::tuple(detail::unbatch(c.take())...); }, ctx),
                   std::apply([](auto&... c) { return std::tuple(c.take()...); }, seq));
}
template <class... Context, class... Sequence>
auto parse_single_sequence_example(std::string_view record, const std::tuple<Context...>& context,
                                   const std::tuple<Sequence...>& sequence) {
  return parse_single_sequence_example(detail::record_bytes(record), context, sequence);
}

/// Parses a batch of serialized Examples (a range of std::string, std::string_view or byte
/// spans) against the schema `specs...`; returns one result per spec, in order:
/// `tensor<T, shape<dyn, E...>>` for fixed_len_feature, `sparse_values<T>` for var_len_feature,
/// `tensor<T, shape<dyn, dyn, E...>>` for fixed_len_sequence_feature.
///
/// **Errors**: invalid_argument naming the record index and the feature when a record does not
/// fit the schema (missing without default, wrong kind, wrong number of values), or a default
/// has the wrong size; data_loss naming the record and the byte offset for malformed bytes.
///
/// **Example:**
/// ```
/// auto [image, label] = sf::io::parse_example(records,
///     sf::io::fixed_len_feature<float, sf::shape<784>>{"pixels"},
///     sf::io::fixed_len_feature<std::int64_t>{"label", {{-1}}});   // [B, 784], [B]
/// ```
template <std::ranges::sized_range Records, class... Specs>
auto parse_example(const Records& records, const Specs&... specs) {
  return detail::parse_batch(records, "staticflow::io::parse_example", specs...);
}

/// Parses one serialized Example: `tensor<T, shape<E...>>` for fixed_len_feature,
/// `std::vector<T>` for var_len_feature, `tensor<T, shape<dyn, E...>>` for
/// fixed_len_sequence_feature. **Errors** as parse_example's (the record index is 0).
template <class... Specs>
auto parse_single_example(std::span<const std::byte> record, const Specs&... specs) {
  const std::array<std::span<const std::byte>, 1> one{record};
  auto batch = detail::parse_batch(one, "staticflow::io::parse_single_example", specs...);
  return std::apply([](auto&&... r) { return std::tuple(detail::unbatch(std::move(r))...); }, std::move(batch));
}
template <class... Specs>
auto parse_single_example(std::string_view record, const Specs&... specs) {
  return parse_single_example(detail::record_bytes(record), specs...);
}

/// The bytes of `raw` as little-endian values of `T` (TF's decode_raw with little_endian=true).
/// **Errors**: invalid_argument when the size is not a multiple of sizeof(T).
template <class T>
  requires std::is_arithmetic_v<T>
std::vector<T> decode_raw(std::span<const std::byte> raw) {
  if (raw.size() % sizeof(T) != 0)
    staticflow::detail::fail<invalid_argument>({"staticflow::io::decode_raw: ", raw.size(), " bytes are not a whole number of ",
                                                sizeof(T), "-byte values"});
  std::vector<T> out(raw.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), raw.data(), raw.size());
  if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) {
    auto* b = reinterpret_cast<unsigned char*>(out.data());
    for (std::size_t i = 0; i < out.size(); ++i) std::reverse(b + i * sizeof(T), b + (i + 1) * sizeof(T));
  }
  return out;
}
template <class T>
  requires std::is_arithmetic_v<T>
std::vector<T> decode_raw(std::string_view raw) {
  return decode_raw<T>(detail::record_bytes(raw));
}

}  // namespace staticflow::io
#endif  // STATICFLOW_IO_PARSE_EXAMPLE_HPP
