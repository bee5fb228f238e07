// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests for config.hpp (version macros) and the error hierarchy of core/error.hpp.
#include "staticflow/config.hpp"
#include "staticflow/core/error.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <type_traits>

namespace sf = staticflow;

TEST_CASE("version macros match the CMake project version 0.1.0", "[core][config]") {
  STATIC_REQUIRE(SF_VERSION_MAJOR == 0);
  STATIC_REQUIRE(SF_VERSION_MINOR == 1);
  STATIC_REQUIRE(SF_VERSION_PATCH == 0);
}

TEST_CASE("every staticflow error derives from sf::error and std::runtime_error", "[core][error]") {
  STATIC_REQUIRE(std::is_base_of_v<sf::error, sf::invalid_argument>);
  STATIC_REQUIRE(std::is_base_of_v<std::runtime_error, sf::error>);
  STATIC_REQUIRE(std::is_base_of_v<sf::error, sf::out_of_range>);
  STATIC_REQUIRE(std::is_base_of_v<sf::error, sf::data_loss>);
}

TEST_CASE("an invalid_argument is caught as sf::error with its message", "[core][error]") {
  const std::string message = "reshape: 6 elements cannot become 4";
  try {
    throw sf::invalid_argument(message);
  } catch (const sf::error& e) {
    CHECK(std::string(e.what()) == message);
    return;
  }
  FAIL("sf::invalid_argument was not caught as sf::error");
}
