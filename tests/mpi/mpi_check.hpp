// SPDX-License-Identifier: MIT
/// \file
/// \brief What the MPI tests share: checks that count failures on each rank and one verdict for
/// the job (no Catch2: a failed assertion on one rank must not leave the others waiting in a
/// collective, so checks never throw, and the ranks agree on the exit status at the end).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "staticflow/dist/mpi.hpp"

namespace sf_test {

class mpi_checks {
 public:
  explicit mpi_checks(const staticflow::dist::mpi_environment& env) : env_(env) {}
  /// Records a failure (printed at once, with the rank) unless `ok`.
  bool check(bool ok, const std::string& what) {
    ++checks_;
    if (!ok) {
      ++failures_;
      std::fprintf(stderr, "rank %d: FAILED: %s\n", env_.rank(), what.c_str());
    }
    return ok;
  }
  void note(const std::string& what) const {
    if (env_.is_chief()) std::printf("%s\n", what.c_str()), std::fflush(stdout);
  }
  /// Collective: 0 when no rank failed a check, 1 otherwise (on every rank).
  int verdict() const {
    const double failed = env_.allreduce_sum(static_cast<double>(failures_));
    const double checks = env_.allreduce_sum(static_cast<double>(checks_));
    if (env_.is_chief())
      std::printf("%s: %.0f checks on %d ranks, %.0f failed\n", failed == 0 ? "PASSED" : "FAILED", checks, env_.size(),
                  failed);
    return failed == 0 ? 0 : 1;
  }

 private:
  const staticflow::dist::mpi_environment& env_;
  long checks_ = 0, failures_ = 0;
};

/// $SF_MNIST_DIR (set by ctest), else data/mnist.
inline std::string mnist_dir() {
  const char* dir = std::getenv("SF_MNIST_DIR");
  return dir && *dir ? dir : "data/mnist";
}

}  // namespace sf_test
