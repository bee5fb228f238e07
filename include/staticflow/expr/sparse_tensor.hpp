// SPDX-License-Identifier: MIT
/// \file
/// \brief `sparse_tensor`: TF's SparseTensor of rank 2 (indices [nnz, 2] int64, values [nnz],
/// dense_shape), the ragged input of embedding_lookup_sparse, and
/// `sparse_tensor_dense_matmul(sp, dense)`.
///
/// The indices and values are expressions (placeholders fed each run, constants, ...); the
/// dense shape is given when the expression is built, since the result's rows must be known
/// when it is bound (a batch's size).
#pragma once
#ifndef STATICFLOW_EXPR_SPARSE_TENSOR_HPP
#define STATICFLOW_EXPR_SPARSE_TENSOR_HPP

#include <array>
#include <cstdint>
#include <type_traits>

#include "staticflow/core/error.hpp"
#include "staticflow/expr/op_node.hpp"
#include "staticflow/ops/sparse_matmul.hpp"

namespace staticflow {

/// A rank-2 sparse tensor: element (indices[k, 0], indices[k, 1]) is values[k]; the others are 0.
template <class Indices, class Values>
struct sparse_tensor {
  Indices indices;
  Values values;
  std::array<std::int64_t, 2> dense_shape;
};

/// TF's tf.SparseTensor(indices, values, dense_shape) of rank 2.
/// **Errors:** indices not int64 [nnz, 2], values not a vector: compile errors; a negative
/// dense shape: invalid_argument. Indices are checked against the dense shape when an op runs.
template <operand Indices, operand Values>
sparse_tensor<node_t<Indices>, node_t<Values>> make_sparse_tensor(const Indices& indices, const Values& values,
                                                                  std::array<std::int64_t, 2> dense_shape) {
  using SI = shape_of_t<Indices>;
  static_assert(std::is_same_v<value_t<Indices>, std::int64_t>, "sf::sparse_tensor: indices must be int64");
  static_assert(SI::rank == 2, "sf::sparse_tensor: indices must be a matrix [nnz, 2]");
  if constexpr (SI::rank == 2)
    static_assert(SI::extents[1] == 2 || SI::extents[1] == dyn, "sf::sparse_tensor: indices must be [nnz, 2] (rank 2)");
  static_assert(shape_of_t<Values>::rank == 1, "sf::sparse_tensor: values must be a vector [nnz]");
  if (dense_shape[0] < 0 || dense_shape[1] < 0)
    detail::fail<invalid_argument>({"sf::sparse_tensor: dense_shape [", dense_shape[0], ", ", dense_shape[1],
                                    "] has a negative extent"});
  return {as_node(indices), as_node(values), dense_shape};
}

namespace detail {
/// Host checks of a sparse tensor's indices and values as an op reads them.
template <class Ind>
void check_sparse(const char* api, const Ind& indices, std::size_t values, std::array<std::int64_t, 2> dense_shape) {
  if (indices.dim(1) != 2)
    fail<invalid_argument>({api, ": sparse indices must be [nnz, 2], got [", indices.dim(0), ", ", indices.dim(1), "]"});
  if (indices.dim(0) != values)
    fail<invalid_argument>({api, ": the sparse tensor has ", indices.dim(0), " indices but ", values, " values"});
  const std::int64_t* ix = indices.data();
  for (std::size_t k = 0; k < indices.dim(0); ++k)
    for (std::size_t a = 0; a < 2; ++a)
      if (ix[2 * k + a] < 0 || ix[2 * k + a] >= dense_shape[a])
        fail<invalid_argument>({api, ": indices[", k, ", ", a, "] = ", ix[2 * k + a], " is outside the dense shape [",
                                dense_shape[0], ", ", dense_shape[1], "]"});
}
}  // namespace detail

struct sparse_dense_matmul_op {
  static constexpr const char* name = "sf::sparse_tensor_dense_matmul";
  std::array<std::int64_t, 2> dense_shape;
  template <class TI, class TV, class TD>
  using value_type = TD;
  template <class SI, class SV, class SD>
  using result_shape = shape<dyn, SD::extents[1]>;
  template <class S, class DI, class DV, class DD>
  dims_t<S> result_dims(const DI&, const DV&, const DD& dense) const {
    return {{static_cast<std::size_t>(dense_shape[0]), dense[1]}};
  }
  template <class P, class Out, class Ind, class Val, class Dense, class Tmp>
  void forward(const Out& out, const Ind& indices, const Val& values, const Dense& dense, Tmp&) const {
    if constexpr (std::is_same_v<P, host>) {
      detail::check_sparse(name, indices, values.size(), dense_shape);
      if (static_cast<std::int64_t>(dense.dim(0)) != dense_shape[1])
        detail::fail<invalid_argument>({name, ": the sparse tensor has ", dense_shape[1], " columns but the dense matrix ",
                                        dense.dim(0), " rows"});
    }
    using T = typename Dense::value_type;
    const std::size_t n = dense.dim(1), nnz = values.size();
    executor<P>::for_each(n, ops::sparse_matmul_columns<T>{out.data(), indices.data(), values.data(), dense.data(), nnz,
                                                           static_cast<std::size_t>(dense_shape[0]), n, false},
                          nnz + out.size() / (n ? n : 1));
  }
  /// values: d v_k = g[row_k] . dense[col_k]; dense: d dense[c] = sum of v_k g[row_k] over col_k = c.
  template <int Side, class P, class D, class Ind, class Val, class Dense, class V, class G, class Tmp>
  void backward(const D& d, const Ind& indices, const Val& values, const Dense& dense, const V&, const G& g, Tmp&) const {
    using T = typename Dense::value_type;
    const std::size_t n = dense.dim(1), nnz = values.size();
    if constexpr (Side == 1)
      executor<P>::for_each(nnz, ops::sparse_matmul_value_gradient<T>{d.data(), indices.data(), g.data(), dense.data(), n}, n);
    else
      executor<P>::for_each(n, ops::sparse_matmul_columns<T>{d.data(), indices.data(), values.data(), g.data(), nnz,
                                                             dense.dim(0), n, true},
                            nnz + dense.dim(0));
  }
};

/// TF's tf.sparse.sparse_dense_matmul(sp, dense): [dense_shape[0], N] = sp [R, K] x dense [K, N].
/// **Gradient:** into the sparse values and the dense matrix.
/// **Errors:** indices outside the dense shape, nnz mismatch, K != dense rows: invalid_argument (host).
template <class Indices, class Values, operand Dense>
auto sparse_tensor_dense_matmul(const sparse_tensor<Indices, Values>& sp, const Dense& dense) {
  static_assert(shape_of_t<Dense>::rank == 2, "sf::sparse_tensor_dense_matmul: the dense operand must be a matrix");
  static_assert(std::is_same_v<value_t<Values>, value_t<Dense>>,
                "sf::sparse_tensor_dense_matmul: the sparse values and the dense matrix must share a dtype");
  return make_op_node(sparse_dense_matmul_op{sp.dense_shape}, sp.indices, sp.values, dense);
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_SPARSE_TENSOR_HPP
