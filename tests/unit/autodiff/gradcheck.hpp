// SPDX-License-Identifier: MIT
/// \file
/// \brief A finite-difference gradient checker shared by the autodiff tests.
///
/// `gradcheck(name, x, build)` treats `x` as the only variable: `build(leaf)` returns an
/// expression of it (other operands are captured constants). The checked scalar is
/// sum(build(x) * r) for a fixed random `r` of the output's shape, so the upstream gradient
/// that reaches each op is not uniform (a uniform seed hides indexing mistakes). Every element
/// of the analytic gradient (from sf::autodiff::backward) is compared with a central
/// difference in double precision.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "staticflow/staticflow.hpp"

namespace gradcheck_detail {

namespace sf = staticflow;

/// Step and tolerances: with h = 1e-6 in double, the rounding error of a central difference is
/// about 1e-16 * |f| / h = 1e-10 * |f|; the truncation error h^2 * f''' is far below that.
inline constexpr double step = 1e-6;
inline constexpr double rel_tol = 1e-6;

template <class S>
using dtensor = sf::tensor<double, S, sf::host>;

/// Fills `t` with N(0, 1) samples of the given seed (any shape, any run-time extents).
template <class S>
void fill_normal(dtensor<S>& t, std::uint64_t seed) {
  dtensor<sf::shape<sf::dyn>> flat = sf::random_normal<double, sf::shape<sf::dyn>>(0.0, 1.0, seed, t.size());
  std::copy(flat.data(), flat.data() + flat.size(), t.data());
}

/// A random tensor of static shape `S`, or with run-time extents for its dyn axes.
template <class S, class... Ext>
dtensor<S> randn(std::uint64_t seed, Ext... dynamic) {
  return sf::random_normal<double, S>(0.0, 1.0, seed, dynamic...);
}

/// Moves every element at least `gap` away from each of `kinks` (keeps the side it was on), so
/// a finite difference never straddles a point where the function is not differentiable.
template <class S>
void avoid(dtensor<S>& t, std::initializer_list<double> kinks, double gap = 0.05) {
  for (std::size_t i = 0; i < t.size(); ++i)
    for (double k : kinks) {
      double& v = t.data()[i];
      if (std::abs(v - k) < gap) v = v >= k ? k + gap : k - gap;
    }
}

/// Makes every element positive and at least `lo` (for log, sqrt, pow bases).
template <class S>
void make_positive(dtensor<S>& t, double lo = 0.2) {
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = std::abs(t.data()[i]) + lo;
}

template <class S>
void zero(dtensor<S>& t) {
  std::fill(t.data(), t.data() + t.size(), 0.0);
}

/// The checked scalar: sum(e * r) (or e * r for a scalar e), prepared and evaluated.
template <class E, class R>
auto weighted(const E& e, const R& r) {
  if constexpr (E::shape_type::rank == 0) return e * r.data()[0];
  else return sf::reduce_sum(e * r);
}

template <class S, class Build, class R>
double value_at(dtensor<S>& x, const Build& build, const R& r) {
  sf::workspace<sf::host> tmp;
  auto p = sf::autodiff::prepare(weighted(build(sf::var_leaf<double, S, sf::host>(x.view(), nullptr)), r), tmp);
  dtensor<sf::shape<>> v = p;
  return v.data()[0];
}

}  // namespace gradcheck_detail

/// Checks d sum(build(x) * r) / dx against central differences, element by element.
/// Returns the analytic gradient (for callers that also want hand-worked comparisons).
template <class S, class Build>
gradcheck_detail::dtensor<S> gradcheck(const std::string& what, gradcheck_detail::dtensor<S>& x, const Build& build,
                                       std::uint64_t weight_seed = 99) {
  namespace sf = staticflow;
  using namespace gradcheck_detail;
  using out_shape = typename decltype(build(sf::var_leaf<double, S, sf::host>(x.view(), nullptr)))::shape_type;
  dtensor<out_shape> r(build(sf::var_leaf<double, S, sf::host>(x.view(), nullptr)).dims());
  fill_normal(r, weight_seed);

  dtensor<S> grad(x.dims());
  zero(grad);
  {
    sf::workspace<sf::host> tmp;
    auto p = sf::autodiff::prepare(weighted(build(sf::var_leaf<double, S, sf::host>(x.view(), grad.data())), r), tmp);
    sf::autodiff::backward(p, tmp);
  }

  const double f0 = value_at(x, build, r);
  const double abs_floor = 1e-8 * (1.0 + std::abs(f0));
  std::size_t failures = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double keep = x.data()[i];
    x.data()[i] = keep + step;
    const double fp = value_at(x, build, r);
    x.data()[i] = keep - step;
    const double fm = value_at(x, build, r);
    x.data()[i] = keep;
    const double expected = (fp - fm) / (2 * step);
    const double actual = grad.data()[i];
    const double tol = rel_tol * std::max(std::abs(expected), std::abs(actual)) + abs_floor;
    if (!(std::abs(expected - actual) <= tol)) {
      ++failures;
      INFO(what << ": d/dx[" << i << "] (x = " << keep << "): finite difference " << expected << ", autodiff "
                << actual << ", |diff| " << std::abs(expected - actual) << " > tol " << tol);
      CHECK(std::abs(expected - actual) <= tol);
    }
  }
  INFO(what << ": " << failures << " of " << x.size() << " gradient elements differ");
  CHECK(failures == 0);
  return grad;
}
