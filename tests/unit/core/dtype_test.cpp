// SPDX-License-Identifier: MIT
/// \file
/// \brief Traits of the eight dtypes (names as TensorFlow spells them).
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "staticflow/core/dtype.hpp"

namespace sf = staticflow;

template <class T, sf::dtype D, bool Floating, bool Integral, bool Signed>
constexpr bool traits_are() {
  using tr = sf::dtype_traits<T>;
  return tr::supported && tr::value == D && tr::is_floating == Floating && tr::is_integral == Integral &&
         tr::is_signed == Signed && sf::element_type<T> && (sf::floating_element<T> == Floating);
}

static_assert(traits_are<float, sf::dtype::float32, true, false, true>());
static_assert(traits_are<double, sf::dtype::float64, true, false, true>());
static_assert(traits_are<std::int8_t, sf::dtype::int8, false, true, true>());
static_assert(traits_are<std::int16_t, sf::dtype::int16, false, true, true>());
static_assert(traits_are<std::int32_t, sf::dtype::int32, false, true, true>());
static_assert(traits_are<std::int64_t, sf::dtype::int64, false, true, true>());
static_assert(traits_are<std::uint8_t, sf::dtype::uint8, false, true, false>());
static_assert(traits_are<bool, sf::dtype::boolean, false, false, false>());

// Types outside the list are not element types.
static_assert(!sf::element_type<long double>);
static_assert(!sf::element_type<std::uint32_t>);
static_assert(!sf::element_type<char>);
static_assert(!sf::element_type<std::string>);
static_assert(!sf::floating_element<int>);

TEST_CASE("dtype names follow TensorFlow", "[dtype]") {
  REQUIRE(std::string(sf::dtype_name_v<float>) == "float32");
  REQUIRE(std::string(sf::dtype_name_v<double>) == "float64");
  REQUIRE(std::string(sf::dtype_name_v<std::int8_t>) == "int8");
  REQUIRE(std::string(sf::dtype_name_v<std::int16_t>) == "int16");
  REQUIRE(std::string(sf::dtype_name_v<std::int32_t>) == "int32");
  REQUIRE(std::string(sf::dtype_name_v<std::int64_t>) == "int64");
  REQUIRE(std::string(sf::dtype_name_v<std::uint8_t>) == "uint8");
  REQUIRE(std::string(sf::dtype_name_v<bool>) == "bool");
}

TEST_CASE("the dtype enum values are distinct", "[dtype]") {
  const sf::dtype all[] = {sf::dtype::float32, sf::dtype::float64, sf::dtype::int8,  sf::dtype::int16,
                           sf::dtype::int32,   sf::dtype::int64,   sf::dtype::uint8, sf::dtype::boolean};
  for (std::size_t i = 0; i < 8; ++i)
    for (std::size_t j = i + 1; j < 8; ++j) REQUIRE(all[i] != all[j]);
}
