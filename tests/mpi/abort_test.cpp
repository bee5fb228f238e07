// SPDX-License-Identifier: MIT
/// \file
/// \brief An exception on one rank stops every rank (run by expect_failure.cmake under
/// `mpirun -np 2`, which checks for a non-zero exit and the message). Both ranks train; after
/// two steps rank 1 throws while rank 0 goes on to a third step, whose all-reduce would wait
/// for rank 1 for ever. The job must end, with rank 1's message:
///   caught:   the exception leaves `mpi_environment::run` (its message, then MPI_Abort);
///   uncaught: it leaves main (the environment's terminate handler: the message, MPI_Abort);
///   unwound:  it unwinds through the environment, caught only after it (the destructor aborts).
#include "staticflow/staticflow.hpp"  // first: the host kernels before the headers that use them
#include <stdexcept>
#include <string>

#include "staticflow/dist/mpi.hpp"

namespace sf = staticflow;

namespace {

int train(const sf::dist::mpi_environment& env) {
  sf::graph g;
  auto w = g.variable<float, sf::shape<3>>("w", sf::init::ones());
  const auto x = sf::placeholder<float, sf::shape<3>, "x">();
  const auto step = sf::train::gradient_descent(0.1).minimize(sf::reduce_sum(w * x));
  sf::session<> s(g);
  s.run(sf::global_variables_initializer());
  sf::dist::mpi_data_parallel sync(s);
  const sf::tensor<float, sf::shape<3>> xs = sf::ones<float, sf::shape<3>>();
  for (int k = 0; k < 3; ++k) {
    if (k == 2 && env.rank() == 1) throw std::runtime_error("rank 1 fails on purpose at step 3");
    s.run(step, sf::feed(x, xs));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "caught";
  if (mode == "unwound") {
    try {
      sf::dist::mpi_environment env(argc, argv);
      return train(env);
    } catch (const std::exception& e) {  // too late: the environment has aborted the job
      return 3;
    }
  }
  sf::dist::mpi_environment env(argc, argv);
  if (mode == "uncaught") return train(env);
  return env.run([&] { return train(env); });
}
