// SPDX-License-Identifier: MIT
/// \file
/// \brief staticflow's side of the interoperability tests: writes the shared sample of Examples
/// to a TFRecord file, or dumps a TFRecord file of Examples in the canonical text form that the
/// npm and Python sides print too (tests/interop/check_interop.sh compares them); and writes
/// and restores the checkpoint of the checkpoint test.
///
///   sf_io_interop write FILE [none|gzip|zlib]
///   sf_io_interop dump FILE [none|gzip|zlib]
///   sf_io_interop ckpt-write PREFIX     saves the checkpoint model (below) with sf::train::saver
///                                       at PREFIX-<global step>, and prints the prefix written
///   sf_io_interop ckpt-restore PREFIX   builds the same model, restores PREFIX into it and
///                                       prints its variables as `inspect_checkpoint
///                                       --all-tensors` prints a checkpoint
///   sf_io_interop table-write FILE      a table of synthetic entries with io::table::writer,
///                                       spanning several 256 KiB blocks (see table_sample)
///
/// Canonical form, one line per record: features sorted by key, `key=kind[v,...]` separated by
/// spaces; int64 in decimal, float as the 8 hex digits of its bits, bytes in hex.

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "staticflow/io/example.hpp"
#include "staticflow/io/table.hpp"
#include "staticflow/io/tfrecord.hpp"
#include "staticflow/staticflow.hpp"  // graphs, sessions (with the host's kernels) and train::saver

namespace sf = staticflow;
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

// ------------------------------------------------------------------------- checkpoints

/// The checkpoint test's model: a variable of every dtype staticflow has, a scalar, 1-D, 2-D,
/// 3-D and 4-D shapes, scoped names whose sorted order is not their creation order ("layer1/"
/// sorts before "layer10/", upper case before lower case), and more than 16 variables, so the
/// index's data block has a second restart point. py_checkpoint.py lists the same names, dtypes
/// and shapes (MODEL); a difference makes ckpt-restore fail on Python's checkpoint.
struct model {
  template <class T, class S>
  using var = sf::variable_node<T, S>;
  var<std::int64_t, sf::shape<>> global_step;
  var<float, sf::shape<3, 4>> layer1_weights;
  var<float, sf::shape<4>> layer1_biases;
  var<float, sf::shape<2>> layer10_weights;
  var<double, sf::shape<4, 2>> layer2_weights;
  var<double, sf::shape<2>> layer2_biases;
  var<float, sf::shape<2, 2, 1, 3>> conv1_kernel;
  var<float, sf::shape<3>> batchnorm_moving_mean;
  var<sf::bfloat16, sf::shape<5, 3>> embedding_table;
  var<sf::bfloat16, sf::shape<>> embedding_scale;
  var<std::int8_t, sf::shape<2, 3, 4>> quant_weights;
  var<std::int16_t, sf::shape<6>> quant_accumulator;
  var<std::int32_t, sf::shape<>> quant_zero_point;
  var<std::int32_t, sf::shape<2, 2>> counters_per_class;
  var<std::int64_t, sf::shape<3>> counters_total;
  var<std::uint8_t, sf::shape<2, 2, 3>> image_pixels;
  var<bool, sf::shape<7>> mask_keep;
  var<bool, sf::shape<>> mask_flag;
  var<float, sf::shape<8>> special_float32;
  var<double, sf::shape<8>> special_float64;
  var<std::int64_t, sf::shape<4>> special_int64;
  var<std::int16_t, sf::shape<>> a;

  explicit model(sf::graph& g) {
    const auto guard = g.as_default();
    global_step = g.variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
    {
      sf::variable_scope scope("layer1", sf::reuse::inherit, g);
      layer1_weights = g.variable<float, sf::shape<3, 4>>("weights", sf::init::zeros());
      layer1_biases = g.variable<float, sf::shape<4>>("biases", sf::init::zeros());
    }
    layer10_weights = g.variable<float, sf::shape<2>>("layer10/weights", sf::init::zeros());
    {
      sf::variable_scope scope("layer2", sf::reuse::inherit, g);
      layer2_weights = g.variable<double, sf::shape<4, 2>>("weights", sf::init::zeros());
      layer2_biases = g.variable<double, sf::shape<2>>("biases", sf::init::zeros());
    }
    conv1_kernel = g.variable<float, sf::shape<2, 2, 1, 3>>("conv1/kernel", sf::init::zeros());
    batchnorm_moving_mean = g.variable<float, sf::shape<3>>("BatchNorm/moving_mean", sf::init::zeros(), false);
    {
      sf::variable_scope scope("embedding", sf::reuse::inherit, g);
      embedding_table = g.variable<sf::bfloat16, sf::shape<5, 3>>("table", sf::init::zeros(), false);
      embedding_scale = g.variable<sf::bfloat16, sf::shape<>>("scale", sf::init::zeros(), false);
    }
    {
      sf::variable_scope scope("quant", sf::reuse::inherit, g);
      quant_weights = g.variable<std::int8_t, sf::shape<2, 3, 4>>("weights", sf::init::zeros(), false);
      quant_accumulator = g.variable<std::int16_t, sf::shape<6>>("accumulator", sf::init::zeros(), false);
      quant_zero_point = g.variable<std::int32_t, sf::shape<>>("zero_point", sf::init::zeros(), false);
    }
    counters_per_class = g.variable<std::int32_t, sf::shape<2, 2>>("counters/per_class", sf::init::zeros(), false);
    counters_total = g.variable<std::int64_t, sf::shape<3>>("counters/total", sf::init::zeros(), false);
    image_pixels = g.variable<std::uint8_t, sf::shape<2, 2, 3>>("image/pixels", sf::init::zeros(), false);
    mask_keep = g.variable<bool, sf::shape<7>>("mask/keep", sf::init::zeros(), false);
    mask_flag = g.variable<bool, sf::shape<>>("mask/flag", sf::init::zeros(), false);
    special_float32 = g.variable<float, sf::shape<8>>("special/float32", sf::init::zeros(), false);
    special_float64 = g.variable<double, sf::shape<8>>("special/float64", sf::init::zeros(), false);
    special_int64 = g.variable<std::int64_t, sf::shape<4>>("special/int64", sf::init::zeros(), false);
    a = g.variable<std::int16_t, sf::shape<>>("a", sf::init::zeros(), false);
  }

  /// f(variable, k) for each variable, k its place in the list.
  template <class F>
  void each(F&& f) const {
    int k = 0;
    f(global_step, k++), f(layer1_weights, k++), f(layer1_biases, k++), f(layer10_weights, k++);
    f(layer2_weights, k++), f(layer2_biases, k++), f(conv1_kernel, k++), f(batchnorm_moving_mean, k++);
    f(embedding_table, k++), f(embedding_scale, k++), f(quant_weights, k++), f(quant_accumulator, k++);
    f(quant_zero_point, k++), f(counters_per_class, k++), f(counters_total, k++), f(image_pixels, k++);
    f(mask_keep, k++), f(mask_flag, k++), f(special_float32, k++), f(special_float64, k++);
    f(special_int64, k++), f(a, k++);
  }
};

/// Element i of variable k: distinctive bit patterns over each type's whole range, fractions
/// that need all 9 (17) digits, exponents from 1e-3 to 1e3. Python writes other values.
template <class T>
T sample_value(int k, std::size_t i) {
  const std::uint64_t u = (static_cast<std::uint64_t>(k) + 1) * 0x9e3779b97f4a7c15ull ^
                          (static_cast<std::uint64_t>(i) + 1) * 0xbf58476d1ce4e5b9ull;
  if constexpr (std::is_same_v<T, bool>) {
    return std::popcount(u) & 1;
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(u >> 3);  // modular: every bit pattern is reachable
  } else {
    const double x = static_cast<double>(static_cast<std::int64_t>((u >> 40) & 0xfffff) - 524288) / 3.0 *
                     std::pow(10.0, static_cast<double>(i % 7) - 3);
    if constexpr (std::is_same_v<T, sf::bfloat16>) return sf::bfloat16(static_cast<float>(x));
    else return static_cast<T>(x);
  }
}

template <class T, class S>
sf::tensor<T, S, sf::host> sample_tensor(const sf::variable_node<T, S>& v, int k) {
  sf::tensor<T, S, sf::host> t;
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = sample_value<T>(k, i);
  if (v.name() == "global_step") t.data()[0] = static_cast<T>(1234);
  if constexpr (std::is_floating_point_v<T>) {
    if (v.name().rfind("special/", 0) == 0) {  // the values whose printing is tricky
      using lim = std::numeric_limits<T>;
      const T special[] = {lim::infinity(), -lim::infinity(), T(-0.0), lim::denorm_min(),
                           lim::max(),      lim::min(),       T(1) / T(3), T(0.1)};
      for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = special[i];
    }
  }
  if constexpr (std::is_same_v<T, std::int64_t>) {
    if (v.name() == "special/int64") {
      const T special[] = {std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), -1, 0};
      for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = special[i];
    }
  }
  return t;
}

/// `name dtype [d0, d1] v0 v1 ...`, as inspect_checkpoint --all-tensors prints the tensor.
template <class T, class S>
std::string canonical_line(const sf::variable_node<T, S>& v, const sf::tensor<T, S, sf::host>& t) {
  const auto& def = *v.def;
  std::string line = def.name() + " " + io::bundle::tf_dtype_name(io::bundle::to_tf(def.type())) + " " +
                     io::bundle::shape_string(def.dims());
  char buf[64];
  for (std::size_t i = 0; i < t.size(); ++i) {
    const T x = t.data()[i];
    if constexpr (std::is_same_v<T, float>) std::snprintf(buf, sizeof buf, " %.9g", double(x));
    else if constexpr (std::is_same_v<T, double>) std::snprintf(buf, sizeof buf, " %.17g", x);
    else if constexpr (std::is_same_v<T, sf::bfloat16>) std::snprintf(buf, sizeof buf, " %.9g", double(float(x)));
    else if constexpr (std::is_same_v<T, bool>) std::snprintf(buf, sizeof buf, " %d", x ? 1 : 0);
    else std::snprintf(buf, sizeof buf, " %lld", static_cast<long long>(x));
    line += buf;
  }
  return line;
}

int ckpt_write(const std::string& prefix) {
  sf::graph g;
  const model m(g);
  sf::session<sf::host> sess(g);
  m.each([&](const auto& v, int k) { sess.assign(v, sample_tensor(v, k)); });
  sf::train::saver saver;
  std::printf("%s\n", saver.save(sess, prefix, m.global_step).c_str());
  return 0;
}

int ckpt_restore(const std::string& prefix) {
  sf::graph g;
  const model m(g);
  sf::session<sf::host> sess(g);
  sf::train::saver saver;
  saver.restore(sess, prefix);
  std::map<std::string, std::string> lines;  // in name order, as the index holds them
  m.each([&](const auto& v, int) { lines[v.name()] = canonical_line(v, sess.value(v)); });
  for (const auto& [name, line] : lines) std::printf("%s\n", line.c_str());
  return 0;
}

// ---------------------------------------------------------------------------- tables

/// Entries for a table of several data blocks. A 300 KB value ends its block at once, so the
/// key after it decides the index entry: each case of LevelDB's FindShortestSeparator is met
/// (shortened, bytes that differ by one, a prefix, bytes above 0x7f), between runs of small
/// entries whose blocks end where their size says; the last key is all 0xff bytes, which
/// FindShortSuccessor leaves as it is.
std::map<std::string, std::string> table_sample() {
  std::map<std::string, std::string> out;  // std::string orders its bytes as unsigned, as LevelDB
  std::uint64_t state = 0x243f6a8885a308d3ull;
  auto bytes = [&](std::size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) state = state * 6364136223846793005ull + 1442695040888963407ull, c = static_cast<char>(state >> 56);
    return s;
  };
  for (int i = 0; i < 6000; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "tensor/%05d/%s", i * 7, i % 3 ? "kernel" : "bias");
    out[key] = bytes(static_cast<std::size_t>(i % 97));
  }
  const std::string big(300000, 'x');
  const char* ends[] = {"sep0/abc", "sep1/ka", "sep2/ab", "sep3/\xff\x01", "sep4/\x80q"};
  const char* nexts[] = {"sep0/abz", "sep1/kb", "sep2/abc", "sep3/\xff\x05", "sep4/\xe0"};
  for (int i = 0; i < 5; ++i) out[ends[i]] = big + bytes(3), out[nexts[i]] = bytes(10);
  out["\xff\xff\xff"] = "last";
  return out;
}

int table_write(const std::string& path) {
  io::table::writer w;
  for (const auto& [key, value] : table_sample()) w.add(key, value);
  const std::string bytes = w.finish();
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f.flush()) {
    std::fprintf(stderr, "sf_io_interop: cannot write '%s'\n", path.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s write|dump FILE [none|gzip|zlib]\n"
                         "       %s ckpt-write|ckpt-restore PREFIX\n"
                         "       %s table-write FILE\n", argv[0], argv[0], argv[0]);
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "ckpt-write") return ckpt_write(argv[2]);
  if (cmd == "ckpt-restore") return ckpt_restore(argv[2]);
  if (cmd == "table-write") return table_write(argv[2]);
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
