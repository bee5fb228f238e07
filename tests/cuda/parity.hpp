// SPDX-License-Identifier: MIT
/// \file
/// \brief `parity(what, x, build, constants...)`: `build(x, constants...)` and the gradient of
/// sum(build(...) * r) with respect to x on sf::host and sf::cuda from the same float inputs,
/// each within 1e-5 relative to the host's largest element (the host's gradients are checked
/// against finite differences in tests/unit/autodiff). Shared by the CUDA tests that compare
/// the two policies; include after cuda_test_support.hpp (its helpers have internal linkage).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace {

namespace sf = staticflow;

constexpr double tolerance = 1e-5;

template <class S>
using htensor = sf::tensor<float, S, sf::host>;

template <class S>
htensor<S> randn(std::uint64_t seed, float scale = 1.f, float shift = 0.f) {
  htensor<S> t = sf::random_normal<float, S>(0.f, 1.f, seed) * scale + shift;
  return t;
}

template <class S>
htensor<S> positive(std::uint64_t seed) {
  htensor<S> t = sf::abs(sf::random_normal<float, S>(0.f, 1.f, seed)) + 0.2f;
  return t;
}

template <class T, class S>
sf::tensor<T, S, sf::host> on(sf::host, const sf::tensor<T, S, sf::host>& t) {
  sf::tensor<T, S, sf::host> copy;
  std::copy(t.data(), t.data() + t.size(), copy.data());
  return copy;
}
template <class T, class S>
sf::tensor<T, S, sf::cuda> on(sf::cuda, const sf::tensor<T, S, sf::host>& t) {
  return sf::to_device(t.view());
}

template <class S>
htensor<S> to_host(const htensor<S>& t) {
  return on(sf::host{}, t);
}
template <class S>
htensor<S> to_host(const sf::tensor<float, S, sf::cuda>& t) {
  return sf::to_host(t.view());
}

/// The checked scalar: sum(e * r), or e * 0.7 for a scalar e.
template <class E, class R>
auto weighted(const E& e, const R& r) {
  if constexpr (E::shape_type::rank == 0) return e * 0.7f;
  else return sf::reduce_sum(e * r);
}

template <class S>
struct value_and_gradient {
  htensor<S> gradient;
  std::vector<float> value;
};

/// build(x, constants...) and d weighted / dx, computed on policy P from host inputs.
template <class P, class S, class Build, class... C>
auto compute(const htensor<S>& x_host, const Build& build, const C&... constants_host) {
  const auto x = on(P{}, x_host);
  std::tuple constants{on(P{}, constants_host)...};  // mutable: moving averages update in place
  auto call = [&](auto leaf) {
    return std::apply([&](auto&... c) { return build(leaf, c...); }, constants);
  };
  using leaf_t = sf::var_leaf<float, S, P>;
  using out_shape = typename decltype(call(leaf_t(x.view(), nullptr)))::shape_type;
  const htensor<out_shape> r_host = sf::random_uniform<float, out_shape>(-1.f, 1.f, 4242);
  const auto r = on(P{}, r_host);

  std::vector<float> value_copy;
  {
    sf::workspace<P> tmp;
    const sf::tensor<float, out_shape, P> value = sf::autodiff::prepare(call(leaf_t(x.view(), nullptr)), tmp);
    const auto v = to_host(value);
    value_copy.assign(v.data(), v.data() + v.size());
  }
  sf::tensor<float, S, P> gradient = sf::filled<float, S>(0.f);
  {
    sf::workspace<P> tmp;
    auto prepared = sf::autodiff::prepare(weighted(call(leaf_t(x.view(), gradient.data())), r), tmp);
    sf::autodiff::backward(prepared, tmp);
  }
  return value_and_gradient<S>{to_host(gradient), std::move(value_copy)};
}

/// max |a - b| / max |a|: the normwise relative error of b against a.
double relative_error(const float* a, const float* b, std::size_t n) {
  double diff = 0, scale = 1e-30;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = std::fabs(double(a[i]) - double(b[i]));
    diff = std::isnan(d) || d > diff ? d : diff;
    scale = std::max(scale, std::fabs(double(a[i])));
  }
  return diff / scale;
}

template <class S, class Build, class... C>
void parity(const std::string& what, const htensor<S>& x, const Build& build, const C&... constants) {
  const auto host = compute<sf::host>(x, build, constants...);
  const auto cuda = compute<sf::cuda>(x, build, constants...);
  INFO(what);
  REQUIRE(host.value.size() == cuda.value.size());
  CHECK(relative_error(host.value.data(), cuda.value.data(), host.value.size()) < tolerance);
  CHECK(relative_error(host.gradient.data(), cuda.gradient.data(), host.gradient.size()) < tolerance);
}

}  // namespace
