// SPDX-License-Identifier: MIT
/// \file
/// \brief The node protocol (expr/node.hpp): traits, children, rebuilding with the same
/// identity, and the generic folds over it (variables below a node, placeholders of an
/// expression, op names in placement logs, `sf::describe`).
#include <catch2/catch.hpp>

#include <string>
#include <type_traits>
#include <vector>

#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

namespace {

using vec3 = sf::tensor<float, sf::shape<3>>;
using mat23 = sf::tensor<float, sf::shape<2, 3>>;

}  // namespace

TEST_CASE("node traits are declared once by each node kind", "[protocol]") {
  mat23 a = sf::filled<float, sf::shape<2, 3>>(1.f);
  sf::tensor<float, sf::shape<3, 2>> b = sf::filled<float, sf::shape<3, 2>>(1.f);
  auto product = sf::matmul(a, b);
  auto sum = sf::reduce_sum(a);
  auto elementwise = sf::relu(a) + 1.f;
  auto arg = sf::argmax<1>(a);
  STATIC_REQUIRE(sf::traits_v<decltype(product)>.materialized);
  STATIC_REQUIRE(sf::traits_v<decltype(product)>.operands_in_memory);
  STATIC_REQUIRE(sf::traits_v<decltype(sum)>.materialized);
  STATIC_REQUIRE(!sf::traits_v<decltype(sum)>.operands_in_memory);  // reads its operand on the fly
  STATIC_REQUIRE(!sf::traits_v<decltype(elementwise)>.materialized);
  STATIC_REQUIRE(!sf::traits_v<decltype(arg)>.differentiable);
  STATIC_REQUIRE(sf::is_leaf_v<decltype(a.view())>);
  STATIC_REQUIRE(!sf::is_leaf_v<decltype(elementwise)>);
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 3>, "x">();
  STATIC_REQUIRE(sf::traits_v<decltype(x)>.placeholder);
  STATIC_REQUIRE(sf::is_placeholder_v<decltype(x)>);
}

TEST_CASE("children are the operands, in order", "[protocol]") {
  mat23 a = sf::filled<float, sf::shape<2, 3>>(1.f);
  vec3 b = sf::filled<float, sf::shape<3>>(2.f);
  const auto e = a * b;
  const auto ch = e.children();
  REQUIRE(static_cast<const void*>(ch.p0) == static_cast<const void*>(&e.lhs));
  REQUIRE(static_cast<const void*>(ch.p1) == static_cast<const void*>(&e.rhs));
  std::vector<std::string> visited;
  sf::for_each_child(e, [&](const auto& c) { visited.push_back(sf::describe(c)); });
  REQUIRE(visited == std::vector<std::string>{"tensor[2, 3]", "tensor[3]"});
  visited.clear();
  sf::for_each_child<true>(e, [&](const auto& c) { visited.push_back(sf::describe(c)); });
  REQUIRE(visited == std::vector<std::string>{"tensor[3]", "tensor[2, 3]"});
}

TEST_CASE("a rebuilt materialisation point keeps its identity", "[protocol]") {
  mat23 a = sf::filled<float, sf::shape<2, 3>>(1.f);
  sf::tensor<float, sf::shape<3, 2>> b = sf::filled<float, sf::shape<3, 2>>(1.f);
  const auto product = sf::matmul(sf::relu(a), b);
  const auto other = sf::matmul(sf::relu(a), b);
  REQUIRE(product.id.value != other.id.value);
  int calls = 0;
  const auto rebuilt = sf::map_children(product, [&](const auto& c) {
    ++calls;
    return c;
  });
  REQUIRE(calls == 2);
  REQUIRE(rebuilt.id.value == product.id.value);
  STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(rebuilt)>, std::remove_cvref_t<decltype(product)>>);
}

TEST_CASE("map_children computes children first to last", "[protocol]") {
  mat23 a = sf::filled<float, sf::shape<2, 3>>(1.f);
  auto cond = a > 0.f;
  auto w = sf::where(cond, a, 2.f);
  std::vector<std::string> order;
  (void)sf::map_children(w, [&](const auto& c) {
    order.push_back(sf::describe(c));
    return c;
  });
  REQUIRE(order == std::vector<std::string>{"sf::greater(tensor[2, 3], 0)", "tensor[2, 3]", "2"});
}

TEST_CASE("has_variables and placeholders_of are folds over children", "[protocol]") {
  sf::graph g;
  auto use = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 2>, "x">();
  auto y = sf::placeholder<float, sf::shape<sf::dyn, 1>, "y">();
  auto w = sf::variable<float, sf::shape<2, 1>>("w", sf::init::zeros());
  auto loss = sf::reduce_mean(sf::square(y - sf::matmul(x, w)));
  STATIC_REQUIRE(sf::has_variables_v<decltype(loss)>);
  STATIC_REQUIRE(!sf::has_variables_v<decltype(sf::square(x))>);
  using found = sf::placeholders_of_t<decltype(loss)>;
  STATIC_REQUIRE(std::is_same_v<found, sf::type_list<decltype(y), decltype(x)>>);
  int variables = 0;
  sf::detail::visit_variables(loss + sf::reduce_sum(w), [&](const auto& v) {
    REQUIRE(v.name() == "w");
    ++variables;
  });
  REQUIRE(variables == 2);
}

TEST_CASE("describe prints an expression through the protocol", "[protocol]") {
  sf::graph g;
  auto use = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 2>, "x-input">();
  auto w = sf::variable<float, sf::shape<2, 3>>("layer1/weights", sf::init::zeros());
  auto b = sf::variable<float, sf::shape<3>>("layer1/biases", sf::init::zeros());
  REQUIRE(sf::describe(sf::relu(sf::matmul(x, w) + b)) ==
          "sf::relu(sf::add(sf::matmul(x-input, layer1/weights), layer1/biases))");
  REQUIRE(sf::describe(sf::reduce_mean<1>(sf::transpose(w))) == "sf::reduce_mean(sf::transpose(layer1/weights))");
}

TEST_CASE("placement logs name every op kind, the new ones included", "[protocol]") {
  sf::graph g;
  auto use = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 2>, "x">();
  auto w = sf::variable<float, sf::shape<4, 2>>("w", sf::init::ones());
  sf::tensor<std::int64_t, sf::shape<3>> rows = sf::constant<std::int64_t, sf::shape<3>>({0, 2, 3});
  auto y = sf::reduce_sum(sf::concat<0>(sf::gather(w, rows), sf::pad<sf::ints<0, 0, 0, 0>>(x)));
  std::vector<std::string> lines;
  const auto previous = sf::set_log_sink([&](std::string_view line) { lines.emplace_back(line); });
  sf::session<sf::host> sess(g, sf::host{}, {.log_device_placement = true});
  sess.run(sf::global_variables_initializer());
  sf::tensor<float, sf::shape<sf::dyn, 2>> xs(1);
  xs.data()[0] = 1.f, xs.data()[1] = 2.f;
  const auto total = sess.run(y, sf::feed(x, xs));
  sf::set_log_sink(previous);
  REQUIRE(total.data()[0] == Approx(6.f + 3.f));
  auto logged = [&](const std::string& kind) {
    for (const auto& l : lines)
      if (l == "sf: placement: " + kind + " -> host") return true;
    return false;
  };
  for (const char* kind : {"sf::reduce_sum", "sf::concat", "sf::gather", "sf::pad"}) {
    INFO(kind);
    REQUIRE(logged(kind));
  }
}
