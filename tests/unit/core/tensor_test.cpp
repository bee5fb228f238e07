// SPDX-License-Identifier: MIT
/// \file
/// \brief `tensor` and `tensor_view`: construction, extents checks, ownership, views, factories.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;
using sf::dyn;
using sf::shape;

namespace {
sf::index_array<2> dims2(std::size_t a, std::size_t b) {
  sf::index_array<2> d{};
  d[0] = a, d[1] = b;
  return d;
}
}  // namespace

TEST_CASE("construction with dyn extents", "[tensor]") {
  sf::tensor<float, shape<dyn, 3>> a(4);
  REQUIRE(a.dims() == dims2(4, 3));
  REQUIRE(a.dim(0) == 4);
  REQUIRE(a.size() == 12);
  REQUIRE(a.data() != nullptr);

  sf::tensor<float, shape<2, dyn, 5>> b(7);
  REQUIRE(b.dim(0) == 2);
  REQUIRE(b.dim(1) == 7);
  REQUIRE(b.dim(2) == 5);
  REQUIRE(b.size() == 70);

  sf::tensor<int, shape<2, 3>> s;  // static: allocated at once
  REQUIRE(s.size() == 6);
  REQUIRE(s.data() != nullptr);

  sf::tensor<float, shape<dyn, 3>> empty;  // dyn: starts with extent 0
  REQUIRE(empty.size() == 0);
  REQUIRE(empty.empty());
  REQUIRE(empty.dim(1) == 3);
}

TEST_CASE("mismatching run-time extents throw invalid_argument naming both shapes", "[tensor]") {
  try {
    sf::tensor<float, shape<dyn, 3>> t(dims2(2, 4));
    FAIL("no exception");
  } catch (const sf::invalid_argument& e) {
    const std::string msg = e.what();
    CHECK(msg.find("[2, 4]") != std::string::npos);
    CHECK(msg.find("[?, 3]") != std::string::npos);
  }
  float storage[8] = {};
  REQUIRE_THROWS_AS((sf::tensor_view<float, shape<2, 3>>(storage, dims2(2, 4))), sf::invalid_argument);
  sf::tensor<float, shape<dyn, 3>> t(2);
  REQUIRE_THROWS_AS(t.resize(dims2(2, 4)), sf::invalid_argument);
}

TEST_CASE("copies are deep, moves leave the source empty", "[tensor]") {
  auto a = sf::constant<float, shape<dyn, 2>>({1, 2, 3, 4, 5, 6});
  REQUIRE(a.dim(0) == 3);
  sf::tensor<float, shape<dyn, 2>> b = a;
  REQUIRE(b.data() != a.data());
  REQUIRE(b.dims() == a.dims());
  b(0, 0) = 100;
  REQUIRE(a(0, 0) == 1);
  REQUIRE(b(2, 1) == 6);

  sf::tensor<float, shape<dyn, 2>> c;
  c = a;  // copy assignment into an empty tensor
  REQUIRE(c.size() == 6);
  REQUIRE(c(1, 0) == 3);
  REQUIRE(c.data() != a.data());

  const float* p = a.data();
  sf::tensor<float, shape<dyn, 2>> d = std::move(a);
  REQUIRE(d.data() == p);
  REQUIRE(d(2, 0) == 5);
  REQUIRE(a.data() == nullptr);  // NOLINT(bugprone-use-after-move): the state is specified
  REQUIRE(a.size() == 0);

  sf::tensor<float, shape<dyn, 2>> e(1);
  e = std::move(d);
  REQUIRE(e.data() == p);
  REQUIRE(e.size() == 6);
  REQUIRE(d.data() == nullptr);  // NOLINT(bugprone-use-after-move)
  REQUIRE(d.size() == 0);
}

TEST_CASE("operator[] and slice alias the storage and check bounds", "[tensor]") {
  auto a = sf::constant<int, shape<3, 2>>({0, 1, 10, 11, 20, 21});
  auto row = a[1];
  static_assert(std::is_same_v<decltype(row), sf::tensor_view<int, shape<2>>>);
  REQUIRE(row.size() == 2);
  REQUIRE(row(0) == 10);
  REQUIRE(row.data() == a.data() + 2);
  row(1) = 99;
  REQUIRE(a(1, 1) == 99);
  REQUIRE(a[2](0) == 20);
  REQUIRE_THROWS_AS(a[3], sf::out_of_range);

  auto s = a.slice(1, 3);
  static_assert(std::is_same_v<decltype(s), sf::tensor_view<int, shape<dyn, 2>>>);
  REQUIRE(s.dim(0) == 2);
  REQUIRE(s.data() == a.data() + 2);
  s(1, 0) = -5;
  REQUIRE(a(2, 0) == -5);
  REQUIRE(a.slice(3, 3).size() == 0);
  REQUIRE_THROWS_AS(a.slice(2, 4), sf::out_of_range);
  REQUIRE_THROWS_AS(a.slice(2, 1), sf::out_of_range);

  // A view of a view, rank 3 down to rank 1.
  sf::tensor<float, shape<2, 3, 4>> t;
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<float>(i);
  REQUIRE(t[1][2](3) == 1 * 12 + 2 * 4 + 3);
  REQUIRE_THROWS_AS(t[1][3], sf::out_of_range);
}

TEST_CASE("at() checks every index", "[tensor]") {
  sf::tensor<double, shape<2, 3>> t;
  t.at(1, 2) = 4.5;
  REQUIRE(t(1, 2) == 4.5);
  REQUIRE(t.data()[5] == 4.5);
  REQUIRE_THROWS_AS(t.at(2, 0), sf::out_of_range);
  REQUIRE_THROWS_AS(t.at(0, 3), sf::out_of_range);
  try {
    t.at(0, 3);
  } catch (const sf::out_of_range& e) {
    const std::string msg = e.what();
    CHECK(msg.find("[0, 3]") != std::string::npos);
    CHECK(msg.find("[2, 3]") != std::string::npos);
  }
}

TEST_CASE("resize reuses storage that is large enough", "[tensor]") {
  sf::tensor<float, shape<dyn, 4>> t(10);
  const float* p = t.data();
  t.resize(5);
  REQUIRE(t.size() == 20);
  REQUIRE(t.data() == p);
  t.resize(10);
  REQUIRE(t.data() == p);
  t.resize(50);
  REQUIRE(t.size() == 200);
  REQUIRE(t.data() != nullptr);
}

TEST_CASE("host storage is 64-byte aligned", "[tensor]") {
  for (std::size_t n : {1u, 3u, 17u, 1000u}) {
    sf::tensor<float, shape<dyn>> f(n);
    sf::tensor<std::int8_t, shape<dyn>> c(n);
    sf::tensor<double, shape<dyn, 3>> d(n);
    REQUIRE(reinterpret_cast<std::uintptr_t>(f.data()) % 64 == 0);
    REQUIRE(reinterpret_cast<std::uintptr_t>(c.data()) % 64 == 0);
    REQUIRE(reinterpret_cast<std::uintptr_t>(d.data()) % 64 == 0);
  }
}

TEST_CASE("reshape views the same elements", "[tensor]") {
  auto a = sf::constant<int, shape<2, 3>>({1, 2, 3, 4, 5, 6});
  auto r = a.reshape<shape<3, 2>>();
  REQUIRE(r.data() == a.data());
  REQUIRE(r(2, 0) == 5);
  auto f = a.reshape<shape<dyn>>(6);
  REQUIRE(f(5) == 6);
  REQUIRE_THROWS_AS(a.reshape<shape<dyn>>(5), sf::invalid_argument);
}

TEST_CASE("constant, fill, zeros, ones", "[tensor][factories]") {
  auto c = sf::constant<float, shape<2, 2>>({1.5f, 2.5f, 3.5f, 4.5f});
  REQUIRE(c(0, 0) == 1.5f);
  REQUIRE(c(1, 1) == 4.5f);
  auto cd = sf::constant<int, shape<dyn, 3>>({1, 2, 3, 4, 5, 6, 7, 8, 9});
  REQUIRE(cd.dim(0) == 3);
  REQUIRE(cd(2, 2) == 9);

  auto f = sf::fill<double, shape<dyn, 3>>(2.25, 4);
  REQUIRE(f.size() == 12);
  for (std::size_t i = 0; i < f.size(); ++i) REQUIRE(f.data()[i] == 2.25);
  auto z = sf::zeros<int, shape<5>>();
  for (std::size_t i = 0; i < 5; ++i) REQUIRE(z(i) == 0);
  auto o = sf::ones<float, shape<2, dyn>>(3);
  REQUIRE(o.dim(1) == 3);
  for (std::size_t i = 0; i < o.size(); ++i) REQUIRE(o.data()[i] == 1.0f);
  auto b = sf::ones<bool, shape<3>>();
  REQUIRE((b(0) && b(1) && b(2)));
}

TEST_CASE("from_values checks the count", "[tensor][factories]") {
  const std::vector<float> v = {1, 2, 3, 4, 5, 6};
  auto t = sf::from_values<float, shape<dyn, 3>>(std::span<const float>(v), 2);
  REQUIRE(t(1, 0) == 4);
  REQUIRE_THROWS_AS((sf::from_values<float, shape<dyn, 3>>(std::span<const float>(v), 3)), sf::invalid_argument);
  REQUIRE_THROWS_AS((sf::from_values<float, shape<4>>(std::span<const float>(v))), sf::invalid_argument);
}

TEST_CASE("tensor = expression resizes dyn extents", "[tensor]") {
  auto a = sf::constant<float, shape<dyn, 2>>({1, 2, 3, 4, 5, 6});
  sf::tensor<float, shape<dyn, 2>> out;
  out = a * 2.0f;
  REQUIRE(out.dim(0) == 3);
  REQUIRE(out(2, 1) == 12.0f);
  // Through a view: extents must already match.
  sf::tensor<float, shape<3, 2>> dst;
  dst.view() = a + 1.0f;
  REQUIRE(dst(0, 0) == 2.0f);
  sf::tensor<float, shape<dyn, 2>> small(2);
  REQUIRE_THROWS_AS(small.view() = a + 1.0f, sf::invalid_argument);
}
