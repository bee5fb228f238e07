// SPDX-License-Identifier: MIT
/// \file
/// \brief Plain-loop reference implementations that tests compare the library against.
///
/// Deliberately naive (no blocking, no SIMD, no shared code with the library) so that a bug in
/// the library cannot hide in the reference too. Everything is row-major over std::vector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace staticflow::reference {

/// C[m x n] = op(A) * op(B), accumulated in double; op transposes when its flag is set.
/// A is stored [m x k] (or [k x m] when transposed), B [k x n] (or [n x k]).
template <class T>
std::vector<T> matmul(const std::vector<T>& a, const std::vector<T>& b, std::size_t m, std::size_t k,
                      std::size_t n, bool trans_a = false, bool trans_b = false) {
  std::vector<T> c(m * n);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double acc = 0;
      for (std::size_t p = 0; p < k; ++p) {
        const T av = trans_a ? a[p * m + i] : a[i * k + p];
        const T bv = trans_b ? b[j * k + p] : b[p * n + j];
        acc += static_cast<double>(av) * static_cast<double>(bv);
      }
      c[i * n + j] = static_cast<T>(acc);
    }
  return c;
}

/// Row-major strides of `dims`.
inline std::vector<std::size_t> strides(const std::vector<std::size_t>& dims) {
  std::vector<std::size_t> s(dims.size(), 1);
  for (std::size_t d = dims.size(); d-- > 1;) s[d - 1] = s[d] * dims[d];
  return s;
}

/// The multi-index of linear index `i` in `dims`.
inline std::vector<std::size_t> unravel(std::size_t i, const std::vector<std::size_t>& dims) {
  std::vector<std::size_t> idx(dims.size());
  for (std::size_t d = dims.size(); d-- > 0;) {
    idx[d] = i % dims[d];
    i /= dims[d];
  }
  return idx;
}

enum class reduction { sum, mean, max, min };

/// Reduces `x` (extents `dims`) over the axes marked in `reduced`; the result is laid out
/// row-major over the kept axes (which is also the keepdims layout). Accumulates in double.
template <class T>
std::vector<T> reduce(const std::vector<T>& x, const std::vector<std::size_t>& dims, const std::vector<bool>& reduced,
                      reduction kind) {
  std::vector<std::size_t> out_dims;
  for (std::size_t d = 0; d < dims.size(); ++d) out_dims.push_back(reduced[d] ? 1 : dims[d]);
  std::size_t out_n = 1;
  for (auto e : out_dims) out_n *= e;
  std::vector<double> acc(out_n, 0.0);
  std::vector<bool> seen(out_n, false);
  std::vector<std::size_t> count(out_n, 0);
  const auto os = strides(out_dims);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const auto idx = unravel(i, dims);
    std::size_t o = 0;
    for (std::size_t d = 0; d < dims.size(); ++d) o += (reduced[d] ? 0 : idx[d]) * os[d];
    const double v = static_cast<double>(x[i]);
    if (!seen[o]) acc[o] = (kind == reduction::sum || kind == reduction::mean) ? 0.0 : v, seen[o] = true;
    if (kind == reduction::sum || kind == reduction::mean) acc[o] += v;
    else if (kind == reduction::max) acc[o] = v > acc[o] ? v : acc[o];
    else acc[o] = v < acc[o] ? v : acc[o];
    ++count[o];
  }
  std::vector<T> out(out_n);
  for (std::size_t o = 0; o < out_n; ++o)
    out[o] = static_cast<T>(kind == reduction::mean ? acc[o] / static_cast<double>(count[o]) : acc[o]);
  return out;
}

/// Index along `axis` of the largest (or smallest) element, the first one on ties.
template <class T>
std::vector<std::int64_t> arg_reduce(const std::vector<T>& x, const std::vector<std::size_t>& dims, std::size_t axis,
                                     bool largest) {
  std::vector<std::size_t> out_dims = dims;
  out_dims[axis] = 1;
  std::size_t out_n = 1;
  for (auto e : out_dims) out_n *= e;
  std::vector<std::int64_t> best(out_n, -1);
  std::vector<T> best_value(out_n);
  const auto os = strides(out_dims);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const auto idx = unravel(i, dims);
    std::size_t o = 0;
    for (std::size_t d = 0; d < dims.size(); ++d) o += (d == axis ? 0 : idx[d]) * os[d];
    const bool better = best[o] < 0 || (largest ? x[i] > best_value[o] : x[i] < best_value[o]);
    if (better) best[o] = static_cast<std::int64_t>(idx[axis]), best_value[o] = x[i];
  }
  return best;
}

/// `n` reproducible uniform numbers in [lo, hi).
template <class T>
std::vector<T> random_values(std::size_t n, unsigned seed, double lo = -1.0, double hi = 1.0) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(dist(gen));
  return v;
}

}  // namespace staticflow::reference
