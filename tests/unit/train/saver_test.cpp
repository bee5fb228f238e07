// SPDX-License-Identifier: MIT
/// \file
/// \brief sf::train::saver: round trips of every dtype, var_list subsets and renaming, TF's
/// slot names, resumed training equal bit for bit to an uninterrupted run, max_to_keep and
/// keep_checkpoint_every_n_hours, the state file, moving-average restores, and restore errors
/// that name the checkpoint and the tensor.
#include <catch2/catch.hpp>
#include "temp_dir.hpp"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <staticflow/staticflow.hpp>

namespace sf = staticflow;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The k-th test value as a T (bfloat16 through float; bool: nonzero).
template <class T>
T value_of(int k) {
  if constexpr (std::is_same_v<T, sf::bfloat16>) return T(static_cast<float>(k));
  else if constexpr (std::is_same_v<T, bool>) return k % 2 != 0;
  else return static_cast<T>(k);
}
template <class T>
bool same(T a, T b) {
  if constexpr (std::is_same_v<T, sf::bfloat16>) return a.bits == b.bits;
  else return a == b;
}

/// A graph with a variable of every dtype, filled with values from `seed`.
struct all_dtypes {
  sf::graph g;
  sf::variable_node<float, sf::shape<2, 3>> f32 = g.variable<float, sf::shape<2, 3>>("layer1/weights", sf::init::zeros());
  sf::variable_node<double, sf::shape<4>> f64 = g.variable<double, sf::shape<4>>("layer1/biases", sf::init::zeros());
  sf::variable_node<sf::bfloat16, sf::shape<3>> bf16 = g.variable<sf::bfloat16, sf::shape<3>>("bf16", sf::init::zeros());
  sf::variable_node<std::int8_t, sf::shape<2, 2, 2>> i8 = g.variable<std::int8_t, sf::shape<2, 2, 2>>("i8", sf::init::zeros());
  sf::variable_node<std::int16_t, sf::shape<2>> i16 = g.variable<std::int16_t, sf::shape<2>>("i16", sf::init::zeros());
  sf::variable_node<std::int32_t, sf::shape<3>> i32 = g.variable<std::int32_t, sf::shape<3>>("i32", sf::init::zeros());
  sf::variable_node<std::int64_t, sf::shape<>> i64 = g.variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
  sf::variable_node<std::uint8_t, sf::shape<5>> u8 = g.variable<std::uint8_t, sf::shape<5>>("u8", sf::init::zeros());
  sf::variable_node<bool, sf::shape<3>> b = g.variable<bool, sf::shape<3>>("mask", sf::init::zeros());
  sf::session<> sess{g};

  template <class T, class S>
  void fill(const sf::variable_node<T, S>& v, int seed) {
    sf::tensor<T, S> t;
    for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = value_of<T>(static_cast<int>(i) * 3 - 5 + seed);
    sess.assign(v, t);
  }
  void fill_all(int seed) {
    fill(f32, seed), fill(f64, seed), fill(bf16, seed), fill(i8, seed), fill(i16, seed), fill(i32, seed);
    fill(i64, seed), fill(u8, seed), fill(b, seed);
  }
  template <class T, class S>
  bool holds(const sf::variable_node<T, S>& v, int seed) {
    const auto t = sess.value(v);
    for (std::size_t i = 0; i < t.size(); ++i)
      if (!same(t.data()[i], value_of<T>(static_cast<int>(i) * 3 - 5 + seed))) return false;
    return true;
  }
  bool holds_all(int seed) {
    return holds(f32, seed) && holds(f64, seed) && holds(bf16, seed) && holds(i8, seed) && holds(i16, seed) &&
           holds(i32, seed) && holds(i64, seed) && holds(u8, seed) && holds(b, seed);
  }
};

}  // namespace

TEST_CASE("every dtype round-trips under its name, dtype and shape", "[train][saver]") {
  sf_test::temp_dir dir;
  all_dtypes a;
  a.fill_all(7);
  sf::train::saver saver;
  const std::string path = saver.save(a.sess, (dir / "model.ckpt").string(), a.i64);
  CHECK(path == (dir / "model.ckpt").string() + "-" + std::to_string(-5 + 7));
  a.fill_all(100);
  saver.restore(a.sess, path);
  CHECK(a.holds_all(7));

  const sf::io::bundle::reader r(path);
  REQUIRE(r.entries().size() == 9);
  const auto& w = *r.find("layer1/weights");
  CHECK(w.dtype == sf::io::bundle::tf_dtype::float32);
  CHECK(w.shape == std::vector<std::int64_t>{2, 3});
  CHECK(r.find("bf16")->dtype == sf::io::bundle::tf_dtype::bfloat16);
  CHECK(r.find("mask")->dtype == sf::io::bundle::tf_dtype::boolean);
  CHECK(r.find("mask")->size == 3);
  CHECK(r.find("global_step")->shape.empty());

  // Into a fresh graph and session of the same variables.
  all_dtypes b;
  saver.restore(b.sess, path);
  CHECK(b.holds_all(7));
}

TEST_CASE("var_list: a subset, and a map that renames", "[train][saver]") {
  sf_test::temp_dir dir;
  all_dtypes a;
  a.fill_all(1);
  sf::train::saver some(std::vector<sf::var_ref>{a.f32, a.i32});
  const std::string p = some.save(a.sess, (dir / "some").string());
  CHECK(sf::io::bundle::reader(p).entries().size() == 2);
  a.fill_all(2);
  some.restore(a.sess, p);
  CHECK(a.holds(a.f32, 1));
  CHECK(a.holds(a.i32, 1));
  CHECK(a.holds(a.f64, 2));  // not in the list: untouched (and f32 holds 1 when "old/w" is saved)

  sf::train::saver renamed(std::map<std::string, sf::var_ref>{{"old/w", a.f32}});
  const std::string q = renamed.save(a.sess, (dir / "renamed").string());
  CHECK(sf::io::bundle::reader(q).find("old/w") != nullptr);
  a.fill(a.f32, 3);
  renamed.restore(a.sess, q);
  CHECK(a.holds(a.f32, 1));
  CHECK_THROWS_AS(sf::train::saver(std::vector<sf::var_ref>{a.f32, a.f32}), sf::invalid_argument);
}

TEST_CASE("restore errors name the checkpoint, the tensor and what differs", "[train][saver]") {
  sf_test::temp_dir dir;
  sf::graph g;
  auto w = g.variable<float, sf::shape<2, 3>>("dense/weights", sf::init::ones());
  sf::session<> s(g);
  s.run(sf::global_variables_initializer());
  const std::string p = sf::train::saver().save(s, (dir / "m").string());

  SECTION("no checkpoint there") {
    CHECK_THROWS_AS(sf::train::saver().restore(s, (dir / "nothing").string()), sf::not_found);
    CHECK_THROWS_WITH(sf::train::saver().restore(s, (dir / "nothing").string()), Contains("nothing.index"));
  }
  SECTION("a variable the checkpoint lacks, with the closest names it holds") {
    sf::graph h;
    h.variable<float, sf::shape<2, 3>>("dense/weight", sf::init::ones());
    sf::session<> t(h);
    CHECK_THROWS_AS(sf::train::saver().restore(t, p), sf::not_found);
    CHECK_THROWS_WITH(sf::train::saver().restore(t, p),
                      Contains("has no tensor 'dense/weight'") && Contains("closest names it holds: 'dense/weights'"));
  }
  SECTION("another shape or dtype: both shown") {
    sf::graph h;
    h.variable<float, sf::shape<3, 2>>("dense/weights", sf::init::ones());
    sf::session<> t(h);
    CHECK_THROWS_WITH(sf::train::saver().restore(t, p),
                      Contains("is float32 [2, 3] but variable 'dense/weights' is float32 [3, 2]"));
    sf::graph k;
    k.variable<double, sf::shape<2, 3>>("dense/weights", sf::init::ones());
    sf::session<> u(k);
    CHECK_THROWS_AS(sf::train::saver().restore(u, p), sf::invalid_argument);
  }
  SECTION("a corrupt data file") {
    const std::string data = p + ".data-00000-of-00001";
    std::string bytes = read_text(data);
    bytes[2] ^= 4;
    std::ofstream(data, std::ios::binary) << bytes;
    s.assign(w, sf::constant<float, sf::shape<2, 3>>({7.f, 7.f, 7.f, 7.f, 7.f, 7.f}));
    CHECK_THROWS_WITH(sf::train::saver().restore(s, p), Contains("tensor 'dense/weights'") && Contains("CRC32C"));
    const auto kept = s.value(w);
    for (std::size_t i = 0; i < 6; ++i) CHECK(kept.data()[i] == 7.0f);  // the variable is left as it was
  }
  SECTION("a data file shorter than the index says") {
    fs::resize_file(p + ".data-00000-of-00001", 5);
    CHECK_THROWS_AS(sf::train::saver().restore(s, p), sf::data_loss);
    CHECK_THROWS_WITH(sf::train::saver().restore(s, p), Contains("data-00000-of-00001") && Contains("truncated"));
  }
  SECTION("saving an uninitialised variable") {
    sf::graph h;
    h.variable<float, sf::shape<2>>("fresh", sf::init::ones());
    sf::session<> t(h);
    CHECK_THROWS_AS(sf::train::saver().save(t, (dir / "x").string()), sf::failed_precondition);
    CHECK_FALSE(fs::exists(dir / "x.index"));
  }
  (void)w;
}

TEST_CASE("optimiser slots are saved under TF's names, with Adam's power accumulators", "[train][saver]") {
  sf_test::temp_dir dir;
  sf::graph g;
  auto guard = g.as_default();
  auto w = sf::variable<float, sf::shape<3>>("w", sf::init::values({1.0, -2.0, 0.5}));
  auto step = sf::variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
  auto train = sf::train::adam(0.1, 0.9, 0.999).minimize(sf::reduce_sum(sf::square(w)), step);
  sf::session<> s(g);
  s.run(sf::global_variables_initializer());
  for (int i = 0; i < 3; ++i) s.run(train);
  const std::string p = sf::train::saver().save(s, (dir / "m").string(), step);
  const sf::io::bundle::reader r(p);
  std::vector<std::string> names;
  for (const auto& [n, e] : r.entries()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"beta1_power", "beta2_power", "global_step", "w", "w/Adam", "w/Adam_1"});
  float b1 = 0, b2 = 0;
  r.read("beta1_power", &b1, 4);
  r.read("beta2_power", &b2, 4);
  CHECK(b1 == Approx(std::pow(0.9, 4)));  // TF's value after three updates: beta^(t + 1)
  CHECK(b2 == Approx(std::pow(0.999, 4)));
  CHECK(p == (dir / "m-3").string());
}

namespace {

/// LeNet-sized enough: y = relu(x W1 + b1) W2, Adam or momentum, fixed data; `steps` from
/// wherever the session is.
struct small_net {
  sf::graph g;
  sf::variable_node<double, sf::shape<4, 8>> w1 = g.variable<double, sf::shape<4, 8>>("dense/w1", sf::init::random_normal(0.5, 0.0, 3));
  sf::variable_node<double, sf::shape<8>> b1 = g.variable<double, sf::shape<8>>("dense/b1", sf::init::zeros());
  sf::variable_node<double, sf::shape<8, 2>> w2 = g.variable<double, sf::shape<8, 2>>("out/w2", sf::init::random_normal(0.5, 0.0, 4));
  sf::variable_node<std::int64_t, sf::shape<>> step = g.variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
  sf::tensor<double, sf::shape<5, 4>> x;
  sf::tensor<double, sf::shape<5, 2>> y;
  small_net() {
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = std::sin(double(i));
    for (std::size_t i = 0; i < y.size(); ++i) y.data()[i] = std::cos(double(i));
  }
  auto loss() { return sf::reduce_mean(sf::square(sf::matmul(sf::relu(sf::matmul(x, w1) + b1), w2) - y)); }
};

template <class Opt>
void train(small_net& n, sf::session<>& s, const Opt& opt, int steps) {
  auto op = opt.minimize(n.loss(), n.step);
  for (int i = 0; i < steps; ++i) s.run(op);
}

template <class Opt>
void check_resume(const Opt& opt) {
  sf_test::temp_dir dir;
  small_net full;
  sf::session<> a(full.g);
  a.run(sf::global_variables_initializer());
  train(full, a, opt, 10);

  small_net first;
  std::string path;
  {
    sf::session<> b(first.g);
    b.run(sf::global_variables_initializer());
    train(first, b, opt, 4);
    path = sf::train::saver().save(b, (dir / "model.ckpt").string(), first.step);
  }
  small_net second;  // a new process: a new graph and session, restored before any step
  sf::session<> c(second.g);
  sf::train::saver().restore(c, *sf::train::latest_checkpoint(dir.path));
  CHECK(c.read_scalar(second.step) == 4);
  train(second, c, opt, 6);
  const auto expect = a.value(full.w1), got = c.value(second.w1);
  for (std::size_t i = 0; i < expect.size(); ++i) CHECK(got.data()[i] == expect.data()[i]);  // bit for bit
  CHECK(c.value(second.w2).data()[3] == a.value(full.w2).data()[3]);
  CHECK(c.read_scalar(second.step) == 10);
}

}  // namespace

TEST_CASE("training resumed from a checkpoint equals an uninterrupted run, bit for bit", "[train][saver]") {
  SECTION("Adam (slots and the update count in beta1_power / beta2_power)") { check_resume(sf::train::adam(0.05)); }
  SECTION("momentum") { check_resume(sf::train::momentum(0.05, 0.9)); }
  SECTION("RMSProp") { check_resume(sf::train::rmsprop(0.01, 0.9, 0.5)); }
}

TEST_CASE("max_to_keep, keep_checkpoint_every_n_hours and the state file", "[train][saver]") {
  sf_test::temp_dir dir;
  sf::graph g;
  g.variable<float, sf::shape<2>>("v", sf::init::ones());
  sf::session<> s(g);
  s.run(sf::global_variables_initializer());
  double clock = 1000.0;
  sf::train::saver saver({.max_to_keep = 2, .keep_checkpoint_every_n_hours = 1.0, .clock = [&] { return clock; }});
  const std::string prefix = (dir / "model.ckpt").string();
  for (int step = 1; step <= 5; ++step) {
    clock += 1800.0;  // half an hour between saves
    saver.save(s, prefix, step);
  }
  // Kept: the last two (4, 5), and of the expired ones 2 (an hour after the saver started, at
  // 1000 + 3600 <= 4600) ; 1 (at 2800) and 3 (at 6400 < 4600 + 3600) are deleted.
  CHECK(fs::exists(prefix + "-5.index"));
  CHECK(fs::exists(prefix + "-4.data-00000-of-00001"));
  CHECK(fs::exists(prefix + "-2.index"));
  CHECK_FALSE(fs::exists(prefix + "-1.index"));
  CHECK_FALSE(fs::exists(prefix + "-3.index"));
  CHECK_FALSE(fs::exists(prefix + "-3.data-00000-of-00001"));
  CHECK(saver.last_checkpoints() == std::vector<std::string>{prefix + "-4", prefix + "-5"});
  CHECK(read_text(dir / "checkpoint") ==
        "model_checkpoint_path: \"model.ckpt-5\"\n"
        "all_model_checkpoint_paths: \"model.ckpt-4\"\n"
        "all_model_checkpoint_paths: \"model.ckpt-5\"\n"
        "all_model_checkpoint_timestamps: 8200.0\n"
        "all_model_checkpoint_timestamps: 10000.0\n"
        "last_preserved_timestamp: 4600.0\n");
  CHECK(sf::train::latest_checkpoint(dir.path) == prefix + "-5");
  const auto st = sf::train::get_checkpoint_state(dir.path);
  REQUIRE(st);
  CHECK(st->all_model_checkpoint_paths.size() == 2);
  fs::remove(prefix + "-5.index");
  CHECK_FALSE(sf::train::latest_checkpoint(dir.path));
  CHECK_FALSE(sf::train::latest_checkpoint(dir / "nowhere"));

  // A new saver takes over the kept ones (TF's recover_last_checkpoints) and goes on deleting.
  sf::train::saver next({.max_to_keep = 2, .keep_checkpoint_every_n_hours = 10000});
  next.recover_last_checkpoints(st->all_model_checkpoint_paths);
  CHECK(next.last_checkpoints() == std::vector<std::string>{prefix + "-4"});
  next.save(s, prefix, 6);
  next.save(s, prefix, 7);
  CHECK_FALSE(fs::exists(prefix + "-4.index"));
  CHECK(fs::exists(prefix + "-7.index"));
}

TEST_CASE("the state file's text format: escapes, numbers, unknown fields and errors", "[train][saver]") {
  sf::train::checkpoint_state st;
  st.model_checkpoint_path = "dir \"a\"\\b\n\x01";
  st.all_model_checkpoint_timestamps = {0.1, 1e21, 1.5e-5, 1700000000.0};
  const std::string text = sf::train::to_text(st);
  CHECK(text == "model_checkpoint_path: \"dir \\\"a\\\"\\\\b\\n\\001\"\n"
                "all_model_checkpoint_timestamps: 0.1\nall_model_checkpoint_timestamps: 1e+21\n"
                "all_model_checkpoint_timestamps: 1.5e-05\nall_model_checkpoint_timestamps: 1700000000.0\n");
  const auto back = sf::train::parse_checkpoint_state(text + "# a comment\nfuture_field: 3\n", "f");
  CHECK(back.model_checkpoint_path == st.model_checkpoint_path);
  CHECK(back.all_model_checkpoint_timestamps == st.all_model_checkpoint_timestamps);
  CHECK(sf::train::parse_checkpoint_state("model_checkpoint_path: 'x\\x41'", "f").model_checkpoint_path == "xA");
  CHECK_THROWS_WITH(sf::train::parse_checkpoint_state("\nmodel_checkpoint_path: \"open", "state"),
                    Contains("'state' line 2") && Contains("unterminated"));
  CHECK_THROWS_AS(sf::train::parse_checkpoint_state("model_checkpoint_path: 12", "f"), sf::data_loss);
  CHECK_THROWS_AS(sf::train::parse_checkpoint_state("last_preserved_timestamp: x1", "f"), sf::data_loss);
}

TEST_CASE("variables_to_restore loads the moving averages into the model's variables", "[train][saver]") {
  sf_test::temp_dir dir;
  sf::graph g;
  auto guard = g.as_default();
  auto v = sf::variable<float, sf::shape<>>("v", sf::init::zeros());
  auto other = sf::variable<float, sf::shape<>>("other", sf::init::values({2.0}));
  auto step = sf::variable<std::int64_t, sf::shape<>>("step", sf::init::zeros(), false);
  auto ema = sf::train::apply_moving_averages(sf::train::exponential_moving_average(0.99), step, v);
  sf::session<> s(g);
  s.run(sf::global_variables_initializer());
  s.write_scalar(v, 5.0f);
  s.run(ema);  // the seed's numbers: decay min(0.99, 1/10) = 0.1, shadow 0 -> 4.5
  const std::string p = sf::train::saver().save(s, (dir / "m").string());

  sf::graph eval;  // the evaluation program: the same model, restored from the averages
  auto guard2 = eval.as_default();
  auto v2 = sf::variable<float, sf::shape<>>("v", sf::init::zeros());
  auto other2 = sf::variable<float, sf::shape<>>("other", sf::init::zeros());
  auto step2 = sf::variable<std::int64_t, sf::shape<>>("step", sf::init::zeros(), false);
  auto ema2 = sf::train::apply_moving_averages(sf::train::exponential_moving_average(0.99), step2, v2);
  const auto names = ema2.variables_to_restore();
  CHECK(names.count("v/ExponentialMovingAverage") == 1);
  CHECK(names.count("other") == 1);
  CHECK(names.count("v") == 0);
  sf::session<> e(eval);
  sf::train::saver(names).restore(e, p);
  CHECK(e.read_scalar(v2) == Approx(4.5f));
  CHECK(e.read_scalar(other2) == 2.0f);
  (void)other;
}
