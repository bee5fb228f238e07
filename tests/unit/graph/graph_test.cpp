// SPDX-License-Identifier: MIT
/// \file
/// \brief Graphs, variables, variable scopes and sessions: naming, reuse, initialisation,
/// feeds, gradients and a few training steps.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

namespace {

/// Plain gradient descent, enough to drive `sf::minimize` (the library's optimisers are tested
/// on their own).
struct sgd {
  double lr;
  template <class T, class S, class P>
  struct slots {};
  template <class T, class S, class P>
  slots<T, S, P> make_slots(const sf::dims_t<S>&) const {
    return {};
  }
  template <class T, class S, class P>
  void apply(const sf::tensor_view<T, S, P>& var, const sf::tensor_view<T, S, P>& g, slots<T, S, P>&,
             std::int64_t) const {
    var = var - T(lr) * g;
  }
};

/// The names of a list of variables, in order.
template <class List>
std::vector<std::string> names(const List& vars) {
  std::vector<std::string> out;
  for (const auto& v : vars) out.push_back(v->name());
  return out;
}

/// The message of the exception `f` throws as `E` (fails the test when it throws nothing).
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return {};
}

}  // namespace

TEST_CASE("two graphs hold same-named variables apart; each session reads its own", "[graph]") {
  // The seed's example: g1 initialises "v" with zeros, g2 with ones.
  sf::graph g1, g2;
  auto v1 = [&] {
    auto guard = g1.as_default();
    return sf::get_variable<float, sf::shape<1>>("v", sf::init::zeros());
  }();
  auto v2 = [&] {
    auto guard = g2.as_default();
    return sf::get_variable<float, sf::shape<1>>("v", sf::init::ones());
  }();
  CHECK(v1.name() == "v");
  CHECK(v2.name() == "v");
  CHECK_FALSE(v1 == v2);

  sf::session<sf::host> s1(g1), s2(g2);
  s1.run(sf::global_variables_initializer());
  s2.run(sf::global_variables_initializer());
  CHECK(s1.value(v1).data()[0] == 0.0f);
  CHECK(s2.value(v2).data()[0] == 1.0f);
  CHECK(s1.run(v1 + 2.0f).data()[0] == 2.0f);
  CHECK(s2.run(v2 + 2.0f).data()[0] == 3.0f);
  CHECK(names(g1.global_variables()) == std::vector<std::string>{"v"});
  CHECK(names(g2.global_variables()) == std::vector<std::string>{"v"});
}

TEST_CASE("the default graph: as_default switches it until the guard ends, and nests", "[graph]") {
  sf::graph& global = sf::default_graph();
  CHECK(&sf::graph::get_default() == &global);
  sf::graph g, h;
  {
    auto guard = g.as_default();
    CHECK(&sf::default_graph() == &g);
    auto w = sf::variable<float, sf::shape<2>>("in_g", sf::init::zeros());
    CHECK(w.def->owner() == &g);
    {
      auto inner = h.as_default();
      CHECK(&sf::default_graph() == &h);
      auto u = sf::variable<float, sf::shape<2>>("in_h", sf::init::zeros());
      CHECK(u.def->owner() == &h);
    }
    CHECK(&sf::default_graph() == &g);
  }
  CHECK(&sf::default_graph() == &global);
  CHECK(names(g.global_variables()) == std::vector<std::string>{"in_g"});
  CHECK(names(h.global_variables()) == std::vector<std::string>{"in_h"});
  // A session built without a graph uses the default one.
  {
    auto guard = g.as_default();
    sf::session<sf::host> s;
    CHECK(&s.get_graph() == &g);
  }
}

TEST_CASE("plain variables are made unique: w2, w2_1, w2_2", "[graph]") {
  sf::graph g;
  auto a = g.variable<float, sf::shape<2>>("w2", sf::init::zeros());
  auto b = g.variable<float, sf::shape<2>>("w2", sf::init::zeros());
  auto c = g.variable<float, sf::shape<3>>("w2", sf::init::zeros());
  CHECK(a.name() == "w2");
  CHECK(b.name() == "w2_1");
  CHECK(c.name() == "w2_2");
  CHECK_FALSE(a == b);
  // A suffix that is already taken is skipped (TF's rule): "k_1" exists, so the second "k" is "k_2".
  auto k1 = g.variable<float, sf::shape<1>>("k_1", sf::init::zeros());
  auto k = g.variable<float, sf::shape<1>>("k", sf::init::zeros());
  auto k2 = g.variable<float, sf::shape<1>>("k", sf::init::zeros());
  CHECK(k1.name() == "k_1");
  CHECK(k.name() == "k");
  CHECK(k2.name() == "k_2");
  // A plain variable next to a get_variable one does not take its name.
  sf::graph h;
  auto shared = h.get_variable<float, sf::shape<1>>("s");
  auto plain = h.variable<float, sf::shape<1>>("s", sf::init::zeros());
  CHECK(shared.name() == "s");
  CHECK(plain.name() == "s_1");
}

TEST_CASE("get_variable without reuse refuses an existing name", "[graph][scope]") {
  sf::graph g;
  auto guard = g.as_default();
  auto v = sf::get_variable<float, sf::shape<2>>("v");
  CHECK(v.name() == "v");
  const std::string msg = message_of<sf::invalid_argument>([] { sf::get_variable<float, sf::shape<2>>("v"); });
  CHECK_THAT(msg, Catch::Contains("already exists") && Catch::Contains("v"));
  // plain variables share the namespace: get_variable of a plain variable's name is refused too
  sf::variable<float, sf::shape<2>>("p", sf::init::zeros());
  CHECK_THROWS_AS((sf::get_variable<float, sf::shape<2>>("p")), sf::invalid_argument);
}

TEST_CASE("reuse::yes on a missing name throws 'does not exist'", "[graph][scope]") {
  sf::graph g;
  auto guard = g.as_default();
  sf::variable_scope scope("foo", sf::reuse::yes);
  const std::string msg = message_of<sf::invalid_argument>([] { sf::get_variable<float, sf::shape<2>>("missing"); });
  CHECK_THAT(msg, Catch::Contains("does not exist") && Catch::Contains("foo/missing"));
  CHECK(g.global_variables().empty());
}

TEST_CASE("reuse::yes on a plain variable's name throws TF's 'was not created with get_variable'", "[graph][scope]") {
  // TF 1.x: tf.Variable never enters the get_variable store, so get_variable(reuse=True) of its
  // name raises ValueError "Variable foo/p does not exist, or was not created with tf.get_variable()".
  sf::graph g;
  auto guard = g.as_default();
  const auto plain = [] {
    sf::variable_scope scope("foo");
    return sf::variable<float, sf::shape<2>>("p", sf::init::zeros());
  }();
  REQUIRE(plain.name() == "foo/p");
  {
    sf::variable_scope scope("foo", sf::reuse::yes);
    const std::string msg = message_of<sf::invalid_argument>([] { sf::get_variable<float, sf::shape<2>>("p"); });
    CHECK_THAT(msg, Catch::Contains("foo/p") && Catch::Contains("does not exist, or was not created with get_variable()"));
  }
  {
    // AUTO_REUSE cannot share it either, and the name is taken, so it is refused the same way.
    sf::variable_scope scope("foo", sf::reuse::auto_reuse);
    const std::string msg = message_of<sf::invalid_argument>([] { sf::get_variable<float, sf::shape<2>>("p"); });
    CHECK_THAT(msg, Catch::Contains("was not created with get_variable()") && Catch::Contains("sf::variable()"));
  }
  CHECK(g.global_variables().size() == 1);
  // A get_variable one next to it is still shared.
  const auto shared = [] {
    sf::variable_scope scope("foo");
    return sf::get_variable<float, sf::shape<2>>("q");
  }();
  sf::variable_scope scope("foo", sf::reuse::yes);
  CHECK(sf::get_variable<float, sf::shape<2>>("q") == shared);
}

TEST_CASE("a plain variable made after get_variable of the same name is renamed, not shared", "[graph][scope]") {
  sf::graph g;
  auto guard = g.as_default();
  auto v = sf::get_variable<float, sf::shape<1>>("v");
  auto w = sf::variable<float, sf::shape<1>>("v", sf::init::zeros());
  CHECK(w.name() == "v_1");
  sf::variable_scope scope("", sf::reuse::yes);
  CHECK(sf::get_variable<float, sf::shape<1>>("v") == v);
  CHECK_THROWS_WITH((sf::get_variable<float, sf::shape<1>>("v_1")), Catch::Contains("was not created with get_variable()"));
}

TEST_CASE("reuse::yes returns the existing variable; a dtype or shape mismatch throws", "[graph][scope]") {
  sf::graph g;
  auto guard = g.as_default();
  auto made = [] {
    sf::variable_scope scope("foo");
    return sf::get_variable<float, sf::shape<2, 3>>("v", sf::init::ones());
  }();
  CHECK(made.name() == "foo/v");
  sf::variable_scope scope("foo", sf::reuse::yes);
  auto again = sf::get_variable<float, sf::shape<2, 3>>("v");
  CHECK(again == made);
  CHECK(again.name() == "foo/v");
  CHECK_THROWS_AS((sf::get_variable<float, sf::shape<3, 2>>("v")), sf::invalid_argument);
  CHECK_THROWS_AS((sf::get_variable<double, sf::shape<2, 3>>("v")), sf::invalid_argument);
  CHECK(g.global_variables().size() == 1);
}

TEST_CASE("auto_reuse creates on first use, then shares", "[graph][scope]") {
  sf::graph g;
  auto guard = g.as_default();
  auto first = [] {
    sf::variable_scope scope("layer", sf::reuse::auto_reuse);
    return sf::get_variable<float, sf::shape<4>>("w");
  }();
  auto second = [] {
    sf::variable_scope scope("layer", sf::reuse::auto_reuse);
    return sf::get_variable<float, sf::shape<4>>("w");
  }();
  CHECK(first == second);
  CHECK(first.name() == "layer/w");
  CHECK(names(g.global_variables()) == std::vector<std::string>{"layer/w"});
}

TEST_CASE("inner scopes inherit reuse::yes and nest names", "[graph][scope]") {
  sf::graph g;
  auto guard = g.as_default();
  auto created = [] {
    sf::variable_scope outer("a");
    sf::variable_scope inner("b");
    CHECK(inner.name() == "a/b");
    CHECK(inner.reuse_mode() == sf::reuse::no);
    return sf::get_variable<float, sf::shape<1>>("v");
  }();
  CHECK(created.name() == "a/b/v");

  sf::variable_scope outer("a", sf::reuse::yes);
  {
    sf::variable_scope inner("b");  // inherits
    CHECK(inner.reuse_mode() == sf::reuse::yes);
    CHECK(sf::get_variable<float, sf::shape<1>>("v") == created);
  }
  {
    sf::variable_scope inner("b", sf::reuse::no);  // TF: reuse=False cannot switch reuse off inside reuse=True
    CHECK(inner.reuse_mode() == sf::reuse::yes);
    CHECK(sf::get_variable<float, sf::shape<1>>("v") == created);
  }
  CHECK(g.global_variables().size() == 1);
}

TEST_CASE("the seed's scope example prints 'true false'", "[graph][scope]") {
  sf::graph g;
  auto guard = g.as_default();
  auto [w1, w2] = [] {
    sf::variable_scope scope("scope1");
    auto a = sf::get_variable<float, sf::shape<1>>("w1");
    auto b = sf::variable<float, sf::shape<1>>("w2", sf::init::zeros());
    return std::pair{a, b};
  }();
  auto [w1_again, w2_again] = [] {
    sf::variable_scope scope("scope1", sf::reuse::yes);
    auto a = sf::get_variable<float, sf::shape<1>>("w1");
    auto b = sf::variable<float, sf::shape<1>>("w2", sf::init::zeros());
    return std::pair{a, b};
  }();
  CHECK(w1.name() == "scope1/w1");
  CHECK(w2.name() == "scope1/w2");
  CHECK(w1_again.name() == "scope1/w1");
  CHECK(w2_again.name() == "scope1/w2_1");
  const std::string printed = std::string(w1 == w1_again ? "true" : "false") + " " + (w2 == w2_again ? "true" : "false");
  CHECK(printed == "true false");
}

TEST_CASE("reading an uninitialised variable throws failed_precondition naming it", "[graph][session]") {
  sf::graph g;
  auto w = g.variable<float, sf::shape<2>>("weights", sf::init::ones());
  sf::session<sf::host> sess(g);
  const std::string msg = message_of<sf::failed_precondition>([&] { sess.value(w); });
  CHECK_THAT(msg, Catch::Contains("weights") && Catch::Contains("uninitialized"));
  CHECK_THROWS_AS(sess.run(w * 2.0f), sf::failed_precondition);
  // assign initialises it
  sess.assign(w, sf::constant<float, sf::shape<2>>({3.f, 4.f}));
  const auto v = sess.run(w * 2.0f);
  CHECK(v.data()[0] == 6.f);
  CHECK(v.data()[1] == 8.f);
}

TEST_CASE("a feed with the wrong run-time extent throws, naming the placeholder and both shapes", "[graph][session]") {
  sf::graph g;
  sf::session<sf::host> sess(g);
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 2>, "x-input">();
  sf::tensor<float, sf::shape<sf::dyn, sf::dyn>> bad = sf::zeros<float, sf::shape<sf::dyn, sf::dyn>>(4, 3);
  const std::string msg = message_of<sf::invalid_argument>([&] { sess.run(x * 2.0f, sf::feed(x, bad)); });
  CHECK_THAT(msg, Catch::Contains("x-input") && Catch::Contains("[?, 2]") && Catch::Contains("[4, 3]"));
  // the right extents run
  sf::tensor<float, sf::shape<sf::dyn, sf::dyn>> good = sf::fill<float, sf::shape<sf::dyn, sf::dyn>>(1.5f, 4, 2);
  const auto y = sess.run(x * 2.0f, sf::feed(x, good));
  REQUIRE(y.dims()[0] == 4);
  for (std::size_t i = 0; i < y.size(); ++i) CHECK(y.data()[i] == 3.0f);
}

TEST_CASE("global_variables and trainable_variables", "[graph]") {
  sf::graph g;
  auto guard = g.as_default();
  sf::variable<float, sf::shape<2>>("a", sf::init::zeros());
  sf::variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), /*trainable=*/false);
  {
    sf::variable_scope scope("layer");
    sf::get_variable<float, sf::shape<3>>("b");
    sf::get_variable<float, sf::shape<3>>("frozen", sf::init::zeros(), /*trainable=*/false);
  }
  CHECK(names(g.global_variables()) == std::vector<std::string>{"a", "global_step", "layer/b", "layer/frozen"});
  CHECK(names(g.trainable_variables()) == std::vector<std::string>{"a", "layer/b"});
  CHECK(g.global_variables()[1]->dtype_name() == sf::dtype_name_v<std::int64_t>);
  CHECK(g.global_variables()[2]->shape_string() == "[3]");
}

TEST_CASE("a few training steps reduce the loss and count global_step", "[graph][session][train]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 2>, "x">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 1>, "y-input">();
  auto w1 = sf::variable<float, sf::shape<2, 3>>("w1", sf::init::random_normal(1, 1));
  auto w2 = sf::variable<float, sf::shape<3, 1>>("w2", sf::init::random_normal(1, 2));
  auto gs = sf::variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
  auto y = sf::matmul(sf::matmul(x, w1), w2);
  auto loss = sf::mean_squared_error(y_, y);
  auto step = sf::minimize(sgd{0.05}, loss, gs);

  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  CHECK(sess.read_scalar(gs) == 0);
  const auto xs = sf::constant<float, sf::shape<sf::dyn, 2>>({0.7f, 0.9f, 0.1f, 0.4f, -0.5f, 0.3f});
  const auto ys = sf::constant<float, sf::shape<sf::dyn, 1>>({1.f, 0.f, -0.5f});

  // The loss a step reports is the loss before its update: equal to evaluating the loss.
  const float before = sess.run(loss, sf::feed(x, xs), sf::feed(y_, ys)).data()[0];
  const float first = sess.run(step, sf::feed(x, xs), sf::feed(y_, ys));
  CHECK(first == Approx(before));
  float last = first;
  for (int i = 0; i < 20; ++i) last = sess.run(step, sf::feed(x, xs), sf::feed(y_, ys));
  CHECK(sess.read_scalar(gs) == 21);
  const float after = sess.run(loss, sf::feed(x, xs), sf::feed(y_, ys)).data()[0];
  CHECK(after < last);
  CHECK(after < 0.5f * before);
}

TEST_CASE("one SGD step moves a variable by -lr * gradient", "[graph][session][train]") {
  // loss = reduce_sum(square(w - t)), w = [1, 2], t = [0, 4]: dloss/dw = 2 (w - t) = [2, -4];
  // with lr 0.25, w becomes [1 - 0.5, 2 + 1] = [0.5, 3].
  sf::graph g;
  auto w = g.variable<float, sf::shape<2>>("w", sf::init::values({1.0, 2.0}));
  const auto t = sf::constant<float, sf::shape<2>>({0.f, 4.f});
  auto step = sf::minimize(sgd{0.25}, sf::reduce_sum(sf::square(w - t)));
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  const float loss = sess.run(step);
  CHECK(loss == Approx(1.0 + 4.0));
  const auto v = sess.value(w);
  CHECK(v.data()[0] == Approx(0.5f));
  CHECK(v.data()[1] == Approx(3.0f));
}

TEST_CASE("gradients(loss, w) equals a hand-worked gradient", "[graph][session]") {
  // loss = sum((w * x)^2), w = [1, 2, 3], x = [2, -1, 0.5]: dloss/dw = 2 w x^2 = [8, 4, 1.5].
  sf::graph g;
  auto w = g.variable<double, sf::shape<3>>("w", sf::init::values({1, 2, 3}));
  auto other = g.variable<double, sf::shape<3>>("other", sf::init::ones());
  auto x = sf::placeholder<double, sf::shape<3>, "x">();
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto xs = sf::constant<double, sf::shape<3>>({2.0, -1.0, 0.5});

  const auto grad = sess.run(sf::gradients(sf::reduce_sum(sf::square(w * x)), w), sf::feed(x, xs));
  CHECK(grad.data()[0] == Approx(8.0));
  CHECK(grad.data()[1] == Approx(4.0));
  CHECK(grad.data()[2] == Approx(1.5));
  // A non-scalar loss is summed: d sum(w * x + other) / dw = x; the other variable plays no part.
  const auto gx = sess.run(sf::gradients(w * x + other, w), sf::feed(x, xs));
  CHECK(gx.data()[0] == Approx(2.0));
  CHECK(gx.data()[1] == Approx(-1.0));
  CHECK(gx.data()[2] == Approx(0.5));
  // Asking twice gives the same answer (the buffer is zeroed, not accumulated).
  const auto again = sess.run(sf::gradients(sf::reduce_sum(sf::square(w * x)), w), sf::feed(x, xs));
  CHECK(again.data()[0] == Approx(8.0));
  // A variable the loss does not read has a zero gradient.
  const auto none = sess.run(sf::gradients(sf::reduce_sum(w * x), other), sf::feed(x, xs));
  for (std::size_t i = 0; i < 3; ++i) CHECK(none.data()[i] == 0.0);
  // Gradients do not change the values.
  const auto v = sess.value(w);
  CHECK(v.data()[2] == 3.0);
}

TEST_CASE("fetches runs several expressions and returns a tuple", "[graph][session]") {
  sf::graph g;
  auto w = g.variable<float, sf::shape<2>>("w", sf::init::values({1.0, -2.0}));
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  auto [a, b] = sess.run(sf::fetches(w + 1.0f, sf::reduce_sum(w)));
  CHECK(a.data()[0] == 2.f);
  CHECK(a.data()[1] == -1.f);
  CHECK(b.data()[0] == -1.f);
}

TEST_CASE("a variable of another graph in a session throws invalid_argument", "[graph][session]") {
  sf::graph g1, g2;
  auto mine = g1.variable<float, sf::shape<2>>("v", sf::init::ones());
  auto theirs = g2.variable<float, sf::shape<2>>("v", sf::init::ones());
  sf::session<sf::host> sess(g1);
  sess.run(sf::global_variables_initializer());
  CHECK(sess.run(mine * 1.0f).data()[0] == 1.f);
  const std::string msg = message_of<sf::invalid_argument>([&] { sess.run(mine + theirs); });
  CHECK_THAT(msg, Catch::Contains("another graph") && Catch::Contains("'v'"));
  CHECK_THROWS_AS(sess.value(theirs), sf::invalid_argument);
  CHECK_THROWS_AS(sess.assign(theirs, sf::constant<float, sf::shape<2>>({1.f, 2.f})), sf::invalid_argument);
  CHECK_THROWS_AS(sess.run(sf::gradients(sf::reduce_sum(theirs), theirs)), sf::invalid_argument);
}

TEST_CASE("variables by name: a typed lookup, value and assign, checked at run time", "[graph][session]") {
  sf::graph g;
  auto w = g.variable<float, sf::shape<2, 3>>("layer1/weights", sf::init::ones());
  g.variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  CHECK(g.variable_by_name<float, sf::shape<2, 3>>("layer1/weights").def == w.def);
  CHECK(sess.value<float, sf::shape<2, 3>>("layer1/weights")(1, 2) == 1.f);
  sf::tensor<float, sf::shape<2, 3>> x;
  for (std::size_t i = 0; i < 6; ++i) x.data()[i] = float(i);
  sess.assign("layer1/weights", x);
  CHECK(sess.value(w)(1, 2) == 5.f);
  CHECK_THROWS_WITH((sess.value<float, sf::shape<3, 2>>("layer1/weights")),
                    Catch::Contains("'layer1/weights' is float32") && Catch::Contains("requested float32"));
  CHECK_THROWS_AS((sess.value<double, sf::shape<2, 3>>("layer1/weights")), sf::invalid_argument);
  CHECK_THROWS_WITH((sess.value<float, sf::shape<2, 3>>("layer1/w")),
                    Catch::Contains("no variable 'layer1/w'") && Catch::Contains("'layer1/weights', 'global_step'"));
  CHECK_THROWS_AS((sess.value<float, sf::shape<2, 3>>("layer1/w")), sf::not_found);
}
