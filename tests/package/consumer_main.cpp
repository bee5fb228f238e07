// SPDX-License-Identifier: MIT
/// \file
/// \brief The program every packaging test builds: find_package, add_subdirectory, single_include.
///
/// It only has to prove that <staticflow/staticflow.hpp> is found and usable the
/// way a user would consume it; the unit tests check behaviour.
#include <staticflow/staticflow.hpp>

#include <iostream>

namespace sf = staticflow;

int main() {
  try {
    throw sf::invalid_argument("consumer: thrown on purpose");
  } catch (const sf::error& e) {
    std::cout << "staticflow " << SF_VERSION_MAJOR << '.' << SF_VERSION_MINOR << '.'
              << SF_VERSION_PATCH << " consumer ok (" << e.what() << ")\n";
    return 0;
  }
  return 1;
}
