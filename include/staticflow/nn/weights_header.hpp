// SPDX-License-Identifier: MIT
/// \file
/// \brief `sf::nn::export_header(sess, net, "lenet5_weights.hpp")`: a trained network's variables
/// as a C++ header of `constexpr` arrays and the inference network built on them, so a program
/// that includes it classifies with no checkpoint to read and no variable to initialise (an
/// embedded target, a test with fixed weights).
///
/// The generated header holds, in the namespace the options name:
///  - per variable, `alignas(64) inline constexpr T layer_<i>_<name>[n]`, written as hexadecimal
///    floating literals, which are exact: the header's network computes what the session did, bit
///    for bit;
///  - per layer, a struct `layer_<i>` whose members, named as the layer's parameters (`weights`,
///    `filter`, `biases`, ...), are tensor views of those arrays: what the layer's `forward`
///    reads in place of its variables (every layer's `forward` takes its parameters generically);
///  - `network<Net>()`: a `constant_model<Net, layer_1, ...>`, called as `model<Net>` is: `net(x)`;
///  - `tensors[]` and `assign(sess, model)`, which writes the arrays into a model's variables (to
///    compare the header with the session, or to fine-tune from it).
///
/// **Errors:** a variable nested deeper than `layer_<i>/<name>` (a composite layer) or of a dtype
/// with no C++ literal here (bfloat16): unimplemented naming it; an uninitialised variable:
/// failed_precondition; a file that cannot be written: internal_error with the path; `assign`
/// into a model whose variables differ from the header's: invalid_argument naming the variable
/// and both shapes.
#pragma once
#ifndef STATICFLOW_NN_WEIGHTS_HEADER_HPP
#define STATICFLOW_NN_WEIGHTS_HEADER_HPP

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "staticflow/graph/session.hpp"
#include "staticflow/io/atomic_file.hpp"
#include "staticflow/nn/sequential.hpp"

namespace staticflow::nn {

/// A view of a constant array as a tensor of shape `S`. The cast drops `const` only for the
/// view's type: an inference expression reads its leaves and never writes them.
template <element_type T, any_shape S, std::size_t N>
tensor_view<T, S, host> constant_view(const T (&data)[N]) {
  static_assert(S::dyn_count == 0 && N == S::static_size, "sf::nn::constant_view: the array's length differs from the shape's");
  return tensor_view<T, S, host>(const_cast<T*>(data), staticflow::detail::make_dims<S>());
}

/// Network `Net` applied with constant parameters: one struct per layer (`P...`), each with the
/// members the layer's `forward` reads. No graph, no variables: `net(x)` is an expression over
/// `x` and the constants.
template <class Net, class... P>
class constant_model {
  static_assert(sizeof...(P) == Net::layer_count, "sf::nn::constant_model: one parameter struct per layer");

 public:
  template <operand X>
  auto operator()(const X& x) const {
    using S = shape_of_t<X>;
    static_assert(S::rank == Net::input_shape::rank && [] {
      for (std::size_t i = 1; i < S::rank; ++i)
        if (S::extents[i] != Net::input_shape::extents[i]) return false;
      return true;
    }(), "sf::nn::constant_model: the input's shape differs from the network's input<...> shape");
    return forward<0>(x);
  }

 private:
  template <std::size_t I, class X>
  auto forward(const X& x) const {
    if constexpr (I == Net::layer_count) {
      return as_node(x);
    } else {
      using L = std::tuple_element_t<I, typename Net::layers>;
      return forward<I + 1>(L::template forward<typename Net::template shape_at<I>>(x, std::get<I>(params_)));
    }
  }
  std::tuple<P...> params_;
};

namespace detail {
inline const char* element_name(dtype t);
}  // namespace detail

/// One array of a generated header: the variable's name under its model (`layer_1/filter`), its
/// dtype, shape text and bytes.
struct header_tensor {
  const char* name;
  dtype type;
  const char* shape;
  const void* data;
  std::size_t bytes;
};

/// Writes a generated header's arrays into `net`'s variables in `sess`, matching them by name
/// under the model; every variable of the model must have its array, of its dtype and size.
template <class Net, class T, class P>
void assign_header(session<P>& sess, const model<Net, T>& net, std::span<const header_tensor> tensors) {
  session_state& state = sess.effective_state();
  for (const var_ref& v : net.variables()) {
    const std::string local = v->name().substr(v->name().find("/layer_") + 1);
    const header_tensor* found = nullptr;
    for (const header_tensor& t : tensors)
      if (local == t.name) found = &t;
    if (found == nullptr)
      staticflow::detail::fail<invalid_argument>({"sf::nn::assign_header: the header has no array for variable '", v->name(), "' ",
                                      v->shape_string()});
    if (found->type != v->type() || found->bytes != v->bytes())
      staticflow::detail::fail<invalid_argument>({"sf::nn::assign_header: variable '", v->name(), "' is ", v->dtype_name(), " ",
                                      v->shape_string(), " but the header's '", found->name, "' is ",
                                      detail::element_name(found->type), " ", found->shape});
    auto& slot = state.value_slot(v.get());
    state.upload(slot.data, found->data, v->bytes());
    slot.initialized = true;
  }
}

/// What `export_header` names: the generated namespace, and the network's C++ name for the
/// header's comment and its usage line.
struct header_options {
  std::string name_space = "weights";
  std::string network = "Net";
};

namespace detail {

/// The element types a generated header holds: the C++ type, the dtype's name (also its
/// enumerator's) and the element size.
struct header_element {
  dtype type;
  const char* cpp;
  const char* name;
  std::size_t size;
};
inline constexpr header_element header_elements[] = {{dtype::float32, "float", "float32", 4},
                                                     {dtype::float64, "double", "float64", 8},
                                                     {dtype::int32, "std::int32_t", "int32", 4},
                                                     {dtype::int64, "std::int64_t", "int64", 8}};

inline const header_element& element_of(const variable_base& v) {
  for (const header_element& e : header_elements)
    if (e.type == v.type()) return e;
  staticflow::detail::fail<unimplemented>({"sf::nn::export_header: variable '", v.name(), "' is ", v.dtype_name(),
                       ", which has no C++ literal in a generated header"});
}

inline const char* element_name(dtype t) {
  for (const header_element& e : header_elements)
    if (e.type == t) return e.name;
  return "an unknown dtype";
}

/// One element as an exact C++ literal.
inline void append_literal(std::string& out, dtype t, const std::byte* p) {
  char buf[48];
  if (t == dtype::float32 || t == dtype::float64) {
    double x;
    if (t == dtype::float32) {
      float f;
      std::memcpy(&f, p, sizeof f);
      x = f;
    } else {
      std::memcpy(&x, p, sizeof x);
    }
    const char* limits = t == dtype::float32 ? "std::numeric_limits<float>::" : "std::numeric_limits<double>::";
    if (std::isnan(x)) return (void)(out += limits, out += "quiet_NaN()");
    if (std::isinf(x)) return (void)(out += x < 0 ? "-" : "", out += limits, out += "infinity()");
    std::snprintf(buf, sizeof buf, "%a%s", x, t == dtype::float32 ? "f" : "");  // exact: every float is a double
  } else if (t == dtype::int32) {
    std::int32_t i;
    std::memcpy(&i, p, sizeof i);
    if (i == std::numeric_limits<std::int32_t>::min()) return (void)(out += "(-2147483647 - 1)");
    std::snprintf(buf, sizeof buf, "%d", static_cast<int>(i));
  } else {
    std::int64_t i;
    std::memcpy(&i, p, sizeof i);
    if (i == std::numeric_limits<std::int64_t>::min()) return (void)(out += "(-9223372036854775807LL - 1)");
    std::snprintf(buf, sizeof buf, "%lldLL", static_cast<long long>(i));
  }
  out += buf;
}

inline bool is_identifier(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (const char c : s)
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

/// `[5, 5, 1, 6]` -> `::staticflow::shape<5, 5, 1, 6>`.
inline std::string shape_type(const std::vector<std::int64_t>& dims) {
  std::string s = "::staticflow::shape<";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + ">";
}

/// One variable's array: its declaration and values, eight to a line.
inline void append_array(std::string& out, const std::string& id, const header_element& e,
                         std::span<const std::byte> bytes) {
  const std::size_t n = bytes.size() / e.size;
  out += "alignas(64) inline constexpr " + std::string(e.cpp) + " " + id + "[" + std::to_string(n) + "] = {";
  for (std::size_t i = 0; i < n; ++i) {
    out += i % 8 ? " " : "\n    ";
    append_literal(out, e.type, bytes.data() + i * e.size);
    out += ',';
  }
  out += "};\n";
}

}  // namespace detail

/// Writes `path`: `net`'s variables in `sess` as a header of constants (see the file comment).
template <class Net, class T, class P>
void export_header(session<P>& sess, const model<Net, T>& net, const std::filesystem::path& path,
                   const header_options& options = {}) {
  if (!detail::is_identifier(options.name_space))
    staticflow::detail::fail<invalid_argument>({"sf::nn::export_header: namespace '", options.name_space, "' is not a C++ identifier"});
  session_state& state = sess.effective_state();
  const std::string ns = options.name_space;
  std::string arrays, layers, table, types;
  std::vector<std::byte> host;
  for (std::size_t i = 0; i < Net::layer_count; ++i) {
    const std::string layer = "layer_" + std::to_string(i + 1);
    layers += "struct " + layer + " {";
    for (const var_ref& v : net.variables(i, i + 1)) {
      const std::string& name = v->name();
      const std::string field = name.substr(name.rfind('/') + 1);
      if (!name.ends_with("/" + layer + "/" + field) || !detail::is_identifier(field))
        staticflow::detail::fail<unimplemented>({"sf::nn::export_header: variable '", name, "' is not named <model>/", layer,
                                     "/<identifier> (a composite layer's variables have no header form yet)"});
      if (!state.is_initialized(v.get()))
        staticflow::detail::fail<failed_precondition>({"sf::nn::export_header: variable '", name, "' is not initialised"});
      const detail::header_element& element = detail::element_of(v.get());
      const std::string type = element.cpp, id = layer + "_" + field;
      const std::string shape = detail::shape_type(v->dims());
      host.resize(v->bytes());
      const auto& slot = state.value_slot(v.get());
      if (state.host_memory()) std::memcpy(host.data(), slot.data, v->bytes());
      else state.download(host.data(), slot.data, v->bytes());
      detail::append_array(arrays, id, element, host);
      layers += "\n  ::staticflow::tensor_view<" + type + ", " + shape + "> " + field +
                " = ::staticflow::nn::constant_view<" + type + ", " + shape + ">(" + id + ");";
      table += "    {\"" + layer + "/" + field + "\", ::staticflow::dtype::" + std::string(element.name) +
               ", \"" + v->shape_string() + "\", " + id + ", sizeof " + id + "},\n";
    }
    layers += "\n};\n";
    types += (i ? ", " : "") + layer;
  }
  std::string out = "// Generated by staticflow::nn::export_header: the variables of a " + options.network + " (" +
                    std::to_string(Net::parameter_count) + " parameters). Do not edit.\n//\n// Usage:\n//   auto net = " +
                    ns + "::network<" + options.network + ">();\n//   auto logits = net(x);\n"
                    "#pragma once\n\n#include <cstdint>\n#include <limits>\n\n#include <staticflow/nn/weights_header.hpp>\n\n"
                    "namespace " + ns + " {\n\ninline constexpr std::size_t parameter_count = " +
                    std::to_string(Net::parameter_count) + ";\n\n" + arrays + "\n" + layers +
                    "\n/// The inference network on these constants.\ntemplate <class Net>\nauto network() {\n"
                    "  static_assert(Net::parameter_count == parameter_count, \"" + ns +
                    ": the header was generated for a network with another parameter count\");\n"
                    "  return ::staticflow::nn::constant_model<Net, " + types + ">{};\n}\n\n"
                    "inline constexpr ::staticflow::nn::header_tensor tensors[] = {\n" + table + "};\n\n"
                    "/// Writes the arrays into `net`'s variables in `sess`.\ntemplate <class Net, class T, class P>\n"
                    "void assign(::staticflow::session<P>& sess, const ::staticflow::nn::model<Net, T>& net) {\n"
                    "  ::staticflow::nn::assign_header(sess, net, tensors);\n}\n\n}  // namespace " + ns + "\n";
  io::atomic_file file(path, /*sync=*/false);
  file.append(out);
  file.commit();
}

}  // namespace staticflow::nn
#endif  // STATICFLOW_NN_WEIGHTS_HEADER_HPP
