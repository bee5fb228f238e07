// SPDX-License-Identifier: MIT
/// \file
/// \brief The compile-time shape algebra: rank, sizes, broadcasting, reshape and matmul rules.
#include <catch2/catch.hpp>

#include <type_traits>

#include "staticflow/core/shape.hpp"

namespace sf = staticflow;
using sf::dyn;
using sf::shape;

// ---- rank, static_size, dyn_count (hand-counted) ------------------------------------------------

static_assert(shape<>::rank == 0 && shape<>::static_size == 1 && shape<>::dyn_count == 0);
static_assert(shape<7>::rank == 1 && shape<7>::static_size == 7);
static_assert(shape<2, 3, 4>::rank == 3 && shape<2, 3, 4>::static_size == 24 && shape<2, 3, 4>::is_static);
static_assert(shape<dyn, 28, 28, 1>::rank == 4 && shape<dyn, 28, 28, 1>::dyn_count == 1);
static_assert(shape<dyn, 28, 28, 1>::static_size == dyn && shape<dyn, 28, 28, 1>::static_part == 784);
static_assert(shape<dyn, 3, dyn>::dyn_count == 2 && !shape<dyn, 3, dyn>::is_static);
static_assert(shape<5, 0>::static_size == 0);

// ---- broadcast_t --------------------------------------------------------------------------------

static_assert(std::is_same_v<sf::broadcast_t<shape<dyn, 3>, shape<3>>, shape<dyn, 3>>);
static_assert(std::is_same_v<sf::broadcast_t<shape<3>, shape<dyn, 3>>, shape<dyn, 3>>);
static_assert(std::is_same_v<sf::broadcast_t<shape<4, 1, 5>, shape<3, 1>>, shape<4, 3, 5>>);
static_assert(std::is_same_v<sf::broadcast_t<shape<1>, shape<dyn, 7>>, shape<dyn, 7>>);
static_assert(std::is_same_v<sf::broadcast_t<shape<2, 1>, shape<1, 3>>, shape<2, 3>>);
static_assert(std::is_same_v<sf::broadcast_t<shape<>, shape<2, 3>>, shape<2, 3>>);
static_assert(std::is_same_v<sf::broadcast_t<shape<2, 3>, shape<>>, shape<2, 3>>);
static_assert(std::is_same_v<sf::broadcast_t<shape<>, shape<>>, shape<>>);
static_assert(std::is_same_v<sf::broadcast_t<shape<8, 1, 6, 1>, shape<7, 1, 5>>, shape<8, 7, 6, 5>>);  // numpy docs
static_assert(std::is_same_v<sf::broadcast_t<shape<dyn, 1>, shape<1, 4>>, shape<dyn, 4>>);
static_assert(std::is_same_v<sf::broadcast_t<shape<dyn, 5>, shape<dyn, 5>>, shape<dyn, 5>>);
// A dyn extent against a static one takes the static one (checked at run time).
static_assert(std::is_same_v<sf::broadcast_t<shape<dyn>, shape<4>>, shape<4>>);

static_assert(sf::broadcastable_v<shape<dyn, 3>, shape<3>>);
static_assert(!sf::broadcastable_v<shape<3>, shape<4>>);
static_assert(!sf::broadcastable_v<shape<2, 3>, shape<2>>);       // right-aligned: 3 vs 2
static_assert(!sf::broadcastable_v<shape<4, 2, 3>, shape<3, 3>>);  // 2 vs 3
static_assert(!sf::broadcastable_v<shape<dyn, 3>, shape<dyn, 4>>);
static_assert(sf::broadcastable_v<shape<5, 4>, shape<1>>);

// ---- reshape_valid_v ----------------------------------------------------------------------------

static_assert(sf::reshape_valid_v<shape<2, 3>, shape<6>>);
static_assert(sf::reshape_valid_v<shape<2, 3>, shape<3, 2>>);
static_assert(sf::reshape_valid_v<shape<2, 3, 4>, shape<dyn, 12>>);  // 24 / 12
static_assert(!sf::reshape_valid_v<shape<2, 3>, shape<7>>);
static_assert(!sf::reshape_valid_v<shape<2, 3>, shape<dyn, 4>>);  // 6 is not a multiple of 4
static_assert(!sf::reshape_valid_v<shape<dyn, 784>, shape<dyn, dyn>>);  // two unknowns
static_assert(sf::reshape_valid_v<shape<dyn, 28, 28>, shape<dyn, 784>>);

// ---- matmul_t -----------------------------------------------------------------------------------

static_assert(std::is_same_v<sf::matmul_t<shape<dyn, 784>, shape<784, 10>>, shape<dyn, 10>>);
static_assert(std::is_same_v<sf::matmul_t<shape<2, 3>, shape<3, 4>>, shape<2, 4>>);
static_assert(std::is_same_v<sf::matmul_t<shape<3, 2>, shape<3, 4>, true, false>, shape<2, 4>>);
static_assert(std::is_same_v<sf::matmul_t<shape<2, 3>, shape<4, 3>, false, true>, shape<2, 4>>);
static_assert(std::is_same_v<sf::matmul_t<shape<3, 2>, shape<4, 3>, true, true>, shape<2, 4>>);
static_assert(sf::matmul_shape<shape<dyn, 784>, shape<784, 10>>::inner_ok);
static_assert(!sf::matmul_shape<shape<dyn, 784>, shape<500, 10>>::inner_ok);
static_assert(sf::matmul_shape<shape<2, dyn>, shape<5, 3>>::inner_ok);  // checked at run time
static_assert(!sf::matmul_shape<shape<2, 3>, shape<3, 4>, true, false>::inner_ok);  // 2 vs 3
static_assert(!sf::matmul_shape<shape<2, 3, 4>, shape<4, 5>>::ranks_ok);

// ---- helpers ------------------------------------------------------------------------------------

static_assert(std::is_same_v<sf::drop_first_t<shape<dyn, 3, 4>>, shape<3, 4>>);
static_assert(std::is_same_v<sf::first_dyn_t<shape<5, 3>>, shape<dyn, 3>>);
static_assert(std::is_same_v<sf::drop_last_t<shape<5, 3>>, shape<5>>);

TEST_CASE("shape constants are usable at run time", "[shape]") {
  REQUIRE(shape<2, 3, 4>::rank == 3);
  REQUIRE(shape<2, 3, 4>::static_size == 24);
  REQUIRE(shape<dyn, 10>::dyn_count == 1);
  REQUIRE(shape<dyn, 10>::static_size == dyn);
  REQUIRE(shape<dyn, 10>::extents[0] == dyn);
  REQUIRE(shape<dyn, 10>::extents[1] == 10);
  REQUIRE(sf::broadcastable_v<shape<4, 1, 5>, shape<3, 1>>);
  REQUIRE_FALSE(sf::broadcastable_v<shape<3>, shape<4>>);
}

TEST_CASE("shapes and extents print readably", "[shape]") {
  REQUIRE(sf::to_string(shape<dyn, 784>{}) == "[?, 784]");
  REQUIRE(sf::to_string(shape<>{}) == "[]");
  sf::index_array<2> d{};
  d[0] = 100, d[1] = 784;
  REQUIRE(sf::to_string(d) == "[100, 784]");
  REQUIRE(sf::element_count(d) == 78400);
}
