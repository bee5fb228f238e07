// SPDX-License-Identifier: MIT
/// \file
/// \brief The program every packaging test builds, each way a user consumes staticflow (the
/// README's "Using it in your project" blocks, run verbatim by tests/package/consume.sh): a small
/// dense network trained by SGD on generated data (trainer.hpp). It exits 0 only if the loss fell
/// to a fifth.
///
/// It includes only the headers it uses (a third of the umbrella's compile time): the host
/// executor first, then the graph API and the optimisers. The single header (single_include/) has
/// one file, staticflow/staticflow.hpp, which it includes instead.
#if __has_include(<staticflow/device/host/executor.hpp>)
#include <staticflow/device/host/executor.hpp>  // the host's kernels: before anything runs on sf::host
#include <staticflow/graph/session.hpp>
#include <staticflow/train/optimizer.hpp>
#else
#include <staticflow/staticflow.hpp>
#endif

#include <cstdio>

#include "trainer.hpp"

namespace sf = staticflow;

int main() {
  const auto [first, last] = train_small_network<sf::host>();
  std::printf("staticflow %d.%d.%d: loss %.4f -> %.4f after 100 SGD steps\n", STATICFLOW_VERSION_MAJOR,
              STATICFLOW_VERSION_MINOR, STATICFLOW_VERSION_PATCH, first, last);
  return last < first / 5 ? 0 : 1;
}
