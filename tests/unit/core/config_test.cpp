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

// tests/CMakeLists.txt passes CMake's PROJECT_VERSION_* as SF_TEST_PROJECT_VERSION_*.
TEST_CASE("version macros match the CMake project version", "[core][config]") {
  STATIC_REQUIRE(STATICFLOW_VERSION_MAJOR == SF_TEST_PROJECT_VERSION_MAJOR);
  STATIC_REQUIRE(STATICFLOW_VERSION_MINOR == SF_TEST_PROJECT_VERSION_MINOR);
  STATIC_REQUIRE(STATICFLOW_VERSION_PATCH == SF_TEST_PROJECT_VERSION_PATCH);
  STATIC_REQUIRE(STATICFLOW_VERSION == STATICFLOW_VERSION_MAJOR * 10000 + STATICFLOW_VERSION_MINOR * 100 +
                                           STATICFLOW_VERSION_PATCH);
  STATIC_REQUIRE(SF_VERSION_MAJOR == STATICFLOW_VERSION_MAJOR);
  STATIC_REQUIRE(SF_VERSION_MINOR == STATICFLOW_VERSION_MINOR);
  STATIC_REQUIRE(SF_VERSION_PATCH == STATICFLOW_VERSION_PATCH);
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
