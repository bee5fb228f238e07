// SPDX-License-Identifier: MIT
/// \file
/// \brief The CUDA consumer of the packaging tests (find_package(staticflow COMPONENTS cuda)):
/// trainer.hpp's network, trained by a session on the GPU. Without a GPU it says so
/// and exits 77, which the test reads as "compiled, not run".
#include <staticflow/cuda.hpp>

#include <cstdio>

#include "trainer.hpp"

namespace sf = staticflow;

int main() {
  if (!sf::cuda_available()) {
    std::printf("staticflow %d.%d.%d: compiled for CUDA; not run: %s\n", STATICFLOW_VERSION_MAJOR,
                STATICFLOW_VERSION_MINOR, STATICFLOW_VERSION_PATCH, sf::cuda_unavailable_reason().c_str());
    return 77;
  }
  const auto [first, last] = train_small_network<sf::cuda>();
  std::printf("staticflow %d.%d.%d: loss %.4f -> %.4f after 100 SGD steps on %s\n", STATICFLOW_VERSION_MAJOR,
              STATICFLOW_VERSION_MINOR, STATICFLOW_VERSION_PATCH, first, last, sf::cuda_device_name().c_str());
  return last < first / 5 ? 0 : 1;
}
