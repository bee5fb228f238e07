// SPDX-License-Identifier: MIT
/// \file
/// \brief Ranks that built different networks, or run different training steps, are stopped
/// with a message naming the first difference, on every rank (none is left waiting), under
/// `mpirun -np 2`: another layer width on rank 1, an extra variable on rank 1, and the same
/// variables trained through different losses (their gradients' bucket layouts differ).
#include "staticflow/staticflow.hpp"  // first: the host kernels before the headers that use them
#include <string>

#include "mpi_check.hpp"
#include "staticflow/dist/mpi.hpp"

namespace sf = staticflow;
namespace nn = staticflow::nn;

namespace {

using wide = nn::sequential<nn::input<4>, nn::dense<8>, nn::relu, nn::dense<3>>;
using narrow = nn::sequential<nn::input<4>, nn::dense<6>, nn::relu, nn::dense<3>>;

/// What constructing the hook on `s` threw (the message), or "" when it did not.
std::string construct(sf::session<>& s) {
  try {
    sf::dist::mpi_data_parallel sync(s);
    return "";
  } catch (const sf::invalid_argument& e) {
    return e.what();
  }
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

int run(sf::dist::mpi_environment& env) {
  sf_test::mpi_checks t(env);
  const bool one = env.rank() == 1;

  {  // The same network on every rank: no error.
    sf::graph g;
    nn::model<wide> net(g, 1);
    sf::session<> s(g);
    s.run(sf::global_variables_initializer());
    t.check(construct(s).empty(), "the same network on both ranks passes the check");
  }
  {  // dense<6> on rank 1 where rank 0 has dense<8>.
    sf::graph g;
    sf::session<> s(g);
    std::string message;
    if (one) {
      nn::model<narrow> net(g, 1);
      s.run(sf::global_variables_initializer());
      message = construct(s);
    } else {
      nn::model<wide> net(g, 1);
      s.run(sf::global_variables_initializer());
      message = construct(s);
    }
    t.note("another layer width: " + message);
    t.check(has(message, "the ranks built different variables"), "a width mismatch is reported");
    t.check(has(message, "entry 1 is 'net/layer_1/weights' float32 [4, 8] trainable on rank 0 but "
                         "'net/layer_1/weights' float32 [4, 6] trainable on rank 1"),
            "the message names the first differing variable, both shapes and both ranks: " + message);
  }
  {  // An extra variable on rank 1.
    sf::graph g;
    nn::model<wide> net(g, 1);
    if (one) g.variable<float, sf::shape<2>>("extra", sf::init::zeros());
    sf::session<> s(g);
    s.run(sf::global_variables_initializer());
    const std::string message = construct(s);
    t.note("an extra variable: " + message);
    t.check(has(message, "rank 1 has 5 entries, rank 0 4; the first extra one is 'extra' float32 [2] trainable"),
            "the message names the extra variable: " + message);
  }
  {  // The same variables, but rank 1's loss leaves one out: the first step's layouts differ.
    sf::graph g;
    auto w = g.variable<float, sf::shape<3>>("w", sf::init::ones());
    auto v = g.variable<float, sf::shape<3>>("v", sf::init::ones());
    const auto x = sf::placeholder<float, sf::shape<3>, "x">();
    const sf::train::gradient_descent sgd(0.1);
    const auto both = sgd.minimize(sf::reduce_sum(w * x) + sf::reduce_sum(v * x));
    const auto only_w = sgd.minimize(sf::reduce_sum(w * x));
    sf::session<> s(g);
    s.run(sf::global_variables_initializer());
    sf::dist::mpi_data_parallel sync(s);
    const sf::tensor<float, sf::shape<3>> xs = sf::ones<float, sf::shape<3>>();
    std::string message;
    try {
      if (one) s.run(only_w, sf::feed(x, xs));
      else s.run(both, sf::feed(x, xs));
    } catch (const sf::invalid_argument& e) {
      message = e.what();
    }
    t.note("different training steps: " + message);
    t.check(has(message, "the ranks' training steps differ"), "different losses are reported: " + message);
    t.check(s.value(w).data()[0] == 1.0f, "nothing was updated");
  }
  return t.verdict();
}

}  // namespace

int main(int argc, char** argv) {
  sf::dist::mpi_environment env(argc, argv);
  return env.run([&] { return run(env); });
}
