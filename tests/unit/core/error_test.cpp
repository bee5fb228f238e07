// SPDX-License-Identifier: MIT
/// \file
/// \brief Error messages built out of line: text, integers and floating-point values as
/// std::to_string writes them, and the exception type `fail<E>` throws.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "staticflow/core/error.hpp"

namespace sf = staticflow;
using sf::detail::message;

TEST_CASE("message joins text pieces of every kind", "[error]") {
  const std::string owned = "owned";
  const std::string_view view = "view";
  CHECK(message({"a ", owned, " ", view, ""}) == "a owned view");
  CHECK(message({}).empty());
}

TEST_CASE("message writes integers as std::to_string does", "[error]") {
  const std::uint8_t byte = 200;  // a number, not a character
  CHECK(message({"n=", 0, " ", -17, " ", std::size_t{18446744073709551615u}, " ", byte}) ==
        "n=0 -17 18446744073709551615 200");
  CHECK(message({std::numeric_limits<std::int64_t>::min()}) == std::to_string(std::numeric_limits<std::int64_t>::min()));
}

TEST_CASE("message writes floating-point values as std::to_string does, or compactly when huge", "[error]") {
  for (const double v : {0.0, -0.1, 0.5, 3.25, 1e-9, 123456.789, -2.5e15})
    CHECK(message({v}) == std::to_string(v));
  CHECK(message({1.5f}) == std::to_string(1.5f));
  // Six decimals of 1e300 do not fit the piece's buffer: the general form is used instead.
  CHECK(message({1e300}) == "1e+300");
  CHECK(message({std::numeric_limits<double>::infinity()}) == "inf");
}

TEST_CASE("fail throws the requested type with the joined message", "[error]") {
  try {
    sf::detail::fail<sf::data_loss>({"file '", std::string("x.idx"), "' has ", 3, " bytes"});
    FAIL("fail returned");
  } catch (const sf::data_loss& e) {
    CHECK(std::string(e.what()) == "file 'x.idx' has 3 bytes");
  }
  CHECK_THROWS_AS(sf::detail::fail<sf::invalid_argument>({"bad"}), sf::invalid_argument);
}
