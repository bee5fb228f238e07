// SPDX-License-Identifier: MIT
/// \file
/// \brief `mpi_data_parallel` on gradients known exactly, under `mpirun -np 2`: the broadcast of
/// rank 0's initial values, the average of the ranks' gradients (float32 and float64), a
/// variable larger than a bucket (reduced in place), one the loss reads twice (two
/// contributions to its gradient: it is ready only after the second), one whose gradient no
/// path reaches (zero), buckets started during the backward pass from the second step on, and
/// compute_gradients / apply_gradients as well as minimize.
///
/// The loss of rank r is sum(a * fa_r) + sum(b * fb_r) + sum(b * gb_r) + sum(stop_gradient(c) * fc),
/// so the gradients are fa_r, fb_r + gb_r and 0; with gradient descent at rate 1 each step
/// subtracts their mean over the ranks. Every value is a small integer or half-integer, so the
/// expected variables are exact.
#include "staticflow/staticflow.hpp"  // first: the host kernels before the headers that use them
#include <cstdio>
#include <string>
#include <vector>

#include "mpi_check.hpp"
#include "staticflow/dist/mpi.hpp"

namespace sf = staticflow;

namespace {

constexpr std::size_t big = 1000;  // 4 or 8 KB: more than the 64-byte buckets below

template <class T>
void averages(sf_test::mpi_checks& t, const sf::dist::mpi_environment& env, bool overlap, bool two_halves) {
  const std::string what = std::string(sf::dtype_name_v<T>) + (overlap ? ", overlap" : ", no overlap") +
                           (two_halves ? ", compute/apply" : ", minimize") + ": ";
  const int r = env.rank(), n = env.size();
  sf::graph g;
  // Each rank starts from other values: the broadcast must replace them with rank 0's.
  auto a = g.variable<T, sf::shape<big>>("a", sf::init::constant(10 + r));
  auto b = g.variable<T, sf::shape<3>>("b", sf::init::constant(20 + r));
  auto c = g.variable<T, sf::shape<2>>("c", sf::init::constant(30 + r));
  const auto fa = sf::placeholder<T, sf::shape<big>, "fa">();
  const auto fb = sf::placeholder<T, sf::shape<3>, "fb">();
  const auto gb = sf::placeholder<T, sf::shape<3>, "gb">();
  const auto fc = sf::placeholder<T, sf::shape<2>, "fc">();
  const auto loss = sf::reduce_sum(a * fa) + sf::reduce_sum(b * fb) + sf::reduce_sum(b * gb) +
                    sf::reduce_sum(sf::stop_gradient(c) * fc);
  const sf::train::gradient_descent sgd(1.0);
  const auto step = sgd.minimize(loss);
  const auto grads = sgd.compute_gradients(loss);
  const auto apply = sgd.apply_gradients(grads);
  sf::session<> s(g);
  s.run(sf::global_variables_initializer());
  sf::dist::mpi_data_parallel sync(s, {.bucket_bytes = 64, .overlap = overlap});

  sf::tensor<T, sf::shape<big>> xa;
  sf::tensor<T, sf::shape<3>> xb, yb;
  sf::tensor<T, sf::shape<2>> xc;
  std::vector<double> ea(big, 10), eb(3, 20), ec(2, 30);  // rank 0's values, then the expected ones
  for (int k = 0; k < 3; ++k) {
    // Rank r's gradients: fa = (r + 1)(i % 7 + 1 + k), fb + gb = (r + 1)(2 + j) + (r + 1) / 2.
    for (std::size_t i = 0; i < big; ++i) xa.data()[i] = T((r + 1) * double(i % 7 + 1 + k));
    for (std::size_t j = 0; j < 3; ++j) xb.data()[j] = T((r + 1) * double(2 + j)), yb.data()[j] = T((r + 1) * 0.5);
    for (std::size_t j = 0; j < 2; ++j) xc.data()[j] = T(100 * (r + 1));
    const double mean = (n + 1) / 2.0;  // the mean of r + 1 over the ranks
    if (two_halves) {
      const auto gv = s.run(grads, sf::feed(fa, xa), sf::feed(fb, xb), sf::feed(gb, yb), sf::feed(fc, xc));
      // compute_gradients returns the averaged gradients (what a clipping step would see).
      t.check(gv.gradient(a).data()[1] == T(mean * double(1 % 7 + 1 + k)), what + "compute_gradients is averaged");
      s.run(apply);
    } else {
      s.run(step, sf::feed(fa, xa), sf::feed(fb, xb), sf::feed(gb, yb), sf::feed(fc, xc));
    }
    for (std::size_t i = 0; i < big; ++i) ea[i] -= mean * double(i % 7 + 1 + k);
    for (std::size_t j = 0; j < 3; ++j) eb[j] -= mean * double(2 + j) + mean * 0.5;
    bool ok_a = true, ok_b = true, ok_c = true;
    const auto va = s.value(a), vb = s.value(b), vc = s.value(c);
    for (std::size_t i = 0; i < big; ++i) ok_a = ok_a && va.data()[i] == T(ea[i]);
    for (std::size_t j = 0; j < 3; ++j) ok_b = ok_b && vb.data()[j] == T(eb[j]);
    for (std::size_t j = 0; j < 2; ++j) ok_c = ok_c && vc.data()[j] == T(ec[j]);
    const std::string at = what + "step " + std::to_string(k + 1) + ": ";
    t.check(ok_a, at + "a (in place, larger than a bucket) moved by the mean gradient");
    t.check(ok_b, at + "b (read twice) moved by the mean of its summed gradients");
    t.check(ok_c, at + "c (no gradient reaches it) kept rank 0's value");
  }
  const auto& st = sync.stats();
  t.check(st.steps == 3, what + "3 steps seen");
  // The backward pass finishes b (its second contribution comes from the left operand of the
  // first sum, before a's), then a, and never reaches c: buckets [b], [a] (alone, in place), [c]
  // (packed after the pass: a bucket holds gradients finished one after the other).
  t.check(st.buckets == 3, what + "buckets [b], [a], [c] (got " + std::to_string(st.buckets) + ")");
  t.check(st.bytes_per_step == (big + 5) * sizeof(T), what + "every gradient byte reduced");
  if (overlap) t.check(st.overlapped_buckets >= 2, what + "buckets started during steps 2 and 3's backward passes");
  else t.check(st.overlapped_buckets == 0, what + "none started during a pass");
}

int run(sf::dist::mpi_environment& env) {
  sf_test::mpi_checks t(env);
  for (const bool overlap : {true, false})
    for (const bool halves : {false, true}) {
      averages<float>(t, env, overlap, halves);
      averages<double>(t, env, overlap, halves);
    }
  t.note("averaging: float32 and float64, with and without overlap, minimize and compute/apply");
  return t.verdict();
}

}  // namespace

int main(int argc, char** argv) {
  sf::dist::mpi_environment env(argc, argv);
  return env.run([&] { return run(env); });
}
