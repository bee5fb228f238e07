// SPDX-License-Identifier: MIT
/// \file
/// \brief concat, gather and one_hot forward values against TF's semantics: hand-worked literals
/// for small cases, and a plain row-major reference loop (np.concatenate / np.take written out)
/// for rank-4 ones; run-time extent and index errors.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "staticflow/staticflow.hpp"

namespace sf = staticflow;
using sf::dyn;
using sf::shape;

namespace {

/// A host tensor with element i = start + step * i (dyn extents given at run time).
template <class T, class S, class... Ext>
sf::tensor<T, S> iota(double start, double step = 1, Ext... dynamic) {
  sf::tensor<T, S> t(sf::detail::make_dims<S>(dynamic...));
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<T>(start + step * static_cast<double>(i));
  return t;
}

/// Every element of `t` (any shape) equals `want`, element by element, and the count agrees.
template <class V>
void check_values(const V& t, const std::vector<double>& want) {
  REQUIRE(t.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(static_cast<double>(t.data()[i]) == want[i]);
  }
}

template <class V>
std::vector<std::size_t> dims_of(const V& t) {
  std::vector<std::size_t> d;
  for (std::size_t i = 0; i < V::shape_type::rank; ++i) d.push_back(t.dims()[i]);
  return d;
}

/// A row-major array with its extents (for the reference loops).
struct flat {
  std::vector<double> v;
  std::vector<std::size_t> d;
};
template <class V>
flat to_flat(const V& t) {
  flat f{{}, dims_of(t)};
  for (std::size_t i = 0; i < t.size(); ++i) f.v.push_back(static_cast<double>(t.data()[i]));
  return f;
}

/// np.concatenate(parts, axis), written out: for every outer index, each part's block in turn.
flat ref_concat(std::size_t axis, const std::vector<flat>& parts) {
  flat out{{}, parts[0].d};
  out.d[axis] = 0;
  for (const auto& p : parts) out.d[axis] += p.d[axis];
  std::size_t outer = 1, inner = 1;
  for (std::size_t a = 0; a < axis; ++a) outer *= parts[0].d[a];
  for (std::size_t a = axis + 1; a < parts[0].d.size(); ++a) inner *= parts[0].d[a];
  for (std::size_t o = 0; o < outer; ++o)
    for (const auto& p : parts) {
      const std::size_t block = p.d[axis] * inner;
      for (std::size_t k = 0; k < block; ++k) out.v.push_back(p.v[o * block + k]);
    }
  return out;
}

/// np.take(params, indices, axis=0), written out.
flat ref_gather(const flat& params, const std::vector<long long>& indices) {
  std::size_t inner = 1;
  for (std::size_t a = 1; a < params.d.size(); ++a) inner *= params.d[a];
  flat out;
  for (long long r : indices)
    for (std::size_t k = 0; k < inner; ++k) out.v.push_back(params.v[static_cast<std::size_t>(r) * inner + k]);
  return out;
}

template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return {};
}

}  // namespace

// ---- concat ----------------------------------------------------------------------------------------

TEST_CASE("concat of rank-1 parts: two and three", "[expr][concat]") {
  const auto a = sf::constant<float, shape<3>>({1.f, 2.f, 3.f});
  const auto b = sf::constant<float, shape<2>>({4.f, 5.f});
  const auto c = sf::constant<float, shape<1>>({-6.f});
  auto ab = sf::concat<0>(a, b);
  static_assert(std::is_same_v<decltype(ab)::shape_type, shape<5>>);
  check_values(sf::eval(ab), {1, 2, 3, 4, 5});
  auto bca = sf::concat<0>(b, c, a);
  static_assert(std::is_same_v<decltype(bca)::shape_type, shape<6>>);
  check_values(sf::eval(bca), {4, 5, -6, 1, 2, 3});
  // a single part is the identity
  check_values(sf::eval(sf::concat<0>(b)), {4, 5});
}

TEST_CASE("concat of rank-2 parts along the first and the last axis", "[expr][concat]") {
  // a = [[1, 2], [3, 4]], b = [[5], [6]], c = [[7, 8, 9], [10, 11, 12]]
  const auto a = sf::constant<float, shape<2, 2>>({1.f, 2.f, 3.f, 4.f});
  const auto b = sf::constant<float, shape<2, 1>>({5.f, 6.f});
  const auto c = sf::constant<float, shape<2, 3>>({7.f, 8.f, 9.f, 10.f, 11.f, 12.f});
  const auto r = sf::constant<float, shape<1, 2>>({-1.f, -2.f});

  auto rows = sf::concat<0>(a, r);
  static_assert(std::is_same_v<decltype(rows)::shape_type, shape<3, 2>>);
  check_values(sf::eval(rows), {1, 2, 3, 4, -1, -2});
  auto rows3 = sf::concat<0>(r, a, r);
  static_assert(std::is_same_v<decltype(rows3)::shape_type, shape<4, 2>>);
  check_values(sf::eval(rows3), {-1, -2, 1, 2, 3, 4, -1, -2});

  auto cols = sf::concat<1>(a, b);
  static_assert(std::is_same_v<decltype(cols)::shape_type, shape<2, 3>>);
  check_values(sf::eval(cols), {1, 2, 5, 3, 4, 6});
  auto cols3 = sf::concat<1>(a, b, c);
  static_assert(std::is_same_v<decltype(cols3)::shape_type, shape<2, 6>>);
  check_values(sf::eval(cols3), {1, 2, 5, 7, 8, 9, 3, 4, 6, 10, 11, 12});
  auto cols3b = sf::concat<1>(c, a, b);
  check_values(sf::eval(cols3b), {7, 8, 9, 1, 2, 5, 10, 11, 12, 3, 4, 6});
}

TEST_CASE("concat of rank-3 parts along the middle axis (hand-worked)", "[expr][concat]") {
  // a [2,1,2] = [[[1,2]], [[3,4]]]; b [2,2,2] = [[[5,6],[7,8]], [[9,10],[11,12]]]
  const auto a = iota<float, shape<2, 1, 2>>(1);
  const auto b = iota<float, shape<2, 2, 2>>(5);
  auto m = sf::concat<1>(a, b);
  static_assert(std::is_same_v<decltype(m)::shape_type, shape<2, 3, 2>>);
  check_values(sf::eval(m), {1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12});
  auto m2 = sf::concat<1>(b, a);
  check_values(sf::eval(m2), {5, 6, 7, 8, 1, 2, 9, 10, 11, 12, 3, 4});
  // the last axis of the same parts, differently sized there: [2,2,1] and [2,2,3]
  const auto c = iota<float, shape<2, 2, 1>>(100);
  const auto d = iota<float, shape<2, 2, 3>>(0);
  check_values(sf::eval(sf::concat<2>(c, d)), {100, 0, 1, 2, 101, 3, 4, 5, 102, 6, 7, 8, 103, 9, 10, 11});
}

TEST_CASE("concat of rank-4 parts along every axis, two and three parts, against the reference loop",
          "[expr][concat]") {
  const auto a = iota<double, shape<2, 3, 2, 2>>(0);
  const auto b0 = iota<double, shape<1, 3, 2, 2>>(100, 2);
  const auto c0 = iota<double, shape<3, 3, 2, 2>>(-50, 0.5);
  const auto b1 = iota<double, shape<2, 1, 2, 2>>(200, 3);
  const auto c1 = iota<double, shape<2, 2, 2, 2>>(300, -1);
  const auto b2 = iota<double, shape<2, 3, 3, 2>>(400, 1);
  const auto c2 = iota<double, shape<2, 3, 1, 2>>(500, 7);
  const auto b3 = iota<double, shape<2, 3, 2, 1>>(600, 1);
  const auto c3 = iota<double, shape<2, 3, 2, 4>>(700, -2);
  {
    auto e = sf::concat<0>(a, b0, c0);
    static_assert(std::is_same_v<decltype(e)::shape_type, shape<6, 3, 2, 2>>);
    const auto want = ref_concat(0, {to_flat(a), to_flat(b0), to_flat(c0)});
    const auto got = sf::eval(e);
    CHECK(dims_of(got) == want.d);
    check_values(got, want.v);
    check_values(sf::eval(sf::concat<0>(b0, a)), ref_concat(0, {to_flat(b0), to_flat(a)}).v);
  }
  {
    auto e = sf::concat<1>(a, b1, c1);
    static_assert(std::is_same_v<decltype(e)::shape_type, shape<2, 6, 2, 2>>);
    const auto want = ref_concat(1, {to_flat(a), to_flat(b1), to_flat(c1)});
    check_values(sf::eval(e), want.v);
    check_values(sf::eval(sf::concat<1>(c1, a)), ref_concat(1, {to_flat(c1), to_flat(a)}).v);
  }
  {
    auto e = sf::concat<2>(a, b2, c2);
    static_assert(std::is_same_v<decltype(e)::shape_type, shape<2, 3, 6, 2>>);
    check_values(sf::eval(e), ref_concat(2, {to_flat(a), to_flat(b2), to_flat(c2)}).v);
    check_values(sf::eval(sf::concat<2>(c2, b2)), ref_concat(2, {to_flat(c2), to_flat(b2)}).v);
  }
  {
    auto e = sf::concat<3>(a, b3, c3);
    static_assert(std::is_same_v<decltype(e)::shape_type, shape<2, 3, 2, 7>>);
    check_values(sf::eval(e), ref_concat(3, {to_flat(a), to_flat(b3), to_flat(c3)}).v);
    check_values(sf::eval(sf::concat<3>(b3, a)), ref_concat(3, {to_flat(b3), to_flat(a)}).v);
  }
  // The reference itself, on a case worked by hand: [[1],[2]] ++ [[3,4],[5,6]] along axis 1.
  CHECK(ref_concat(1, {{{1, 2}, {2, 1}}, {{3, 4, 5, 6}, {2, 2}}}).v == std::vector<double>{1, 3, 4, 2, 5, 6});
}

TEST_CASE("concat of fused and materialised parts, and of a concat, fused into what follows", "[expr][concat]") {
  // a b = [[1,2],[3,4]] [[1,0],[1,1]] = [[3,2],[7,4]]; relu([[-1],[5]]) = [[0],[5]]
  const auto a = sf::constant<float, shape<2, 2>>({1.f, 2.f, 3.f, 4.f});
  const auto b = sf::constant<float, shape<2, 2>>({1.f, 0.f, 1.f, 1.f});
  const auto c = sf::constant<float, shape<2, 1>>({-1.f, 5.f});
  auto e = sf::concat<1>(sf::matmul(a, b), sf::relu(c));
  static_assert(std::is_same_v<decltype(e)::shape_type, shape<2, 3>>);
  check_values(sf::eval(e), {3, 2, 0, 7, 4, 5});
  // the parts the other way round, and a reduction as a part: reduce_sum<1>(a, keepdims) = [[3],[7]]
  check_values(sf::eval(sf::concat<1>(sf::relu(c), sf::matmul(a, b), sf::reduce_sum<1>(a, sf::keepdims))),
               {0, 3, 2, 3, 5, 7, 4, 7});
  // a broadcasting part: a + [10, 20] = [[11,22],[13,24]], on top of a * -1
  const auto row = sf::constant<float, shape<2>>({10.f, 20.f});
  check_values(sf::eval(sf::concat<0>(a + row, a * -1.f)), {11, 22, 13, 24, -1, -2, -3, -4});
  // concat inside an expression, and a concat of a concat
  check_values(sf::eval(sf::concat<1>(a, c) * 2.f + 1.f), {3, 5, -1, 7, 9, 11});
  check_values(sf::eval(sf::concat<0>(sf::concat<1>(a, c), sf::concat<1>(c, b))), {1, 2, -1, 3, 4, 5, -1, 1, 0, 5, 1, 1});
  check_values(sf::eval(sf::reduce_sum<0>(sf::concat<1>(a, c))), {4, 6, 4});
  // a concat broadcast against a larger operand: [1, 2] ++ [1] = [1, 2, -1] added to each row of [2, 3]
  const auto r1 = sf::constant<float, shape<2>>({1.f, 2.f});
  const auto r2 = sf::constant<float, shape<1>>({-1.f});
  const auto big = sf::constant<float, shape<2, 3>>({10.f, 20.f, 30.f, 40.f, 50.f, 60.f});
  check_values(sf::eval(sf::concat<0>(r1, r2) + big), {11, 22, 29, 41, 52, 59});
  check_values(sf::eval(big * sf::concat<0>(r2, r1)), {-10, 20, 60, -40, 50, 120});
  // a part of another dtype is refused at compile time (tests/compile_fail), int parts work
  const auto i1 = sf::constant<std::int32_t, shape<2>>({7, -8});
  const auto i2 = sf::constant<std::int32_t, shape<1>>({9});
  auto ie = sf::concat<0>(i1, i2);
  static_assert(std::is_same_v<decltype(ie)::value_type, std::int32_t>);
  check_values(sf::eval(ie), {7, -8, 9});
}

TEST_CASE("concat with a dyn batch: tensors and placeholders fed through a session", "[expr][concat][graph]") {
  // dyn along the axis: [?, 2] ++ [1, 2]
  const auto x = sf::constant<float, shape<dyn, 2>>({1.f, 2.f, 3.f, 4.f});
  const auto y = sf::constant<float, shape<1, 2>>({5.f, 6.f});
  auto e = sf::concat<0>(x, y);
  static_assert(std::is_same_v<decltype(e)::shape_type, shape<dyn, 2>>);
  const auto v = sf::eval(e);
  CHECK(dims_of(v) == std::vector<std::size_t>{3, 2});
  check_values(v, {1, 2, 3, 4, 5, 6});
  // dyn off the axis: [?, 2] ++ [?, 1] along 1
  const auto z = sf::constant<float, shape<dyn, 1>>({-1.f, -2.f});
  auto f = sf::concat<1>(x, z);
  static_assert(std::is_same_v<decltype(f)::shape_type, shape<dyn, 3>>);
  check_values(sf::eval(f), {1, 2, -1, 3, 4, -2});
  // a run-time mismatch off the axis
  const auto z3 = sf::constant<float, shape<dyn, 1>>({-1.f, -2.f, -3.f});
  const std::string msg = message_of<sf::invalid_argument>([&] { (void)sf::eval(sf::concat<1>(x, z3)); });
  CHECK_THAT(msg, Catch::Contains("sf::concat") && Catch::Contains("[3, 1]") && Catch::Contains("[2, 2]"));
  // a dyn extent matched with a static one off the axis
  const auto s = sf::constant<float, shape<2, 1>>({7.f, 8.f});
  check_values(sf::eval(sf::concat<1>(s, x)), {7, 1, 2, 8, 3, 4});
  const auto s3 = sf::constant<float, shape<3, 1>>({7.f, 8.f, 9.f});
  CHECK_THROWS_AS(sf::eval(sf::concat<1>(x, s3)), sf::invalid_argument);

  sf::graph g;
  auto guard = g.as_default();
  auto px = sf::placeholder<float, shape<dyn, 2>, "px">();
  auto py = sf::placeholder<float, shape<dyn, 1>, "py">();
  auto w = sf::variable<float, shape<1, 2>>("w", sf::init::values({10.0, 20.0}));
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  // along the dyn axis with a variable: [3, 2] ++ [1, 2]
  const auto xs = sf::constant<float, shape<dyn, 2>>({1.f, 2.f, 3.f, 4.f, 5.f, 6.f});
  const auto r0 = sess.run(sf::concat<0>(px, w), sf::feed(px, xs));
  CHECK(dims_of(r0) == std::vector<std::size_t>{4, 2});
  check_values(r0, {1, 2, 3, 4, 5, 6, 10, 20});
  // off the dyn axis, a fused part: [3, 2] ++ relu([3, 1])
  const auto ys = sf::constant<float, shape<dyn, 1>>({-1.f, 0.5f, 2.f});
  const auto r1 = sess.run(sf::concat<1>(px, sf::relu(py)), sf::feed(px, xs), sf::feed(py, ys));
  CHECK(dims_of(r1) == std::vector<std::size_t>{3, 3});
  check_values(r1, {1, 2, 0, 3, 4, 0.5, 5, 6, 2});
  // fed batches that differ off the axis
  const auto ys2 = sf::constant<float, shape<dyn, 1>>({-1.f, 0.5f});
  const std::string m2 =
      message_of<sf::invalid_argument>([&] { sess.run(sf::concat<1>(px, py), sf::feed(px, xs), sf::feed(py, ys2)); });
  CHECK_THAT(m2, Catch::Contains("sf::concat"));
}

// ---- gather ----------------------------------------------------------------------------------------

TEST_CASE("gather of rank-1 params by rank-1 indices, int32 and int64, repeated", "[expr][gather]") {
  const auto p = sf::constant<float, shape<5>>({10.f, 20.f, 30.f, 40.f, 50.f});
  const auto i32 = sf::constant<std::int32_t, shape<4>>({4, 0, 4, 2});
  const auto i64 = sf::constant<std::int64_t, shape<3>>({1, 1, 3});
  auto e = sf::gather(p, i32);
  static_assert(std::is_same_v<decltype(e)::shape_type, shape<4>>);
  static_assert(std::is_same_v<decltype(e)::value_type, float>);
  check_values(sf::eval(e), {50, 10, 50, 30});
  check_values(sf::eval(sf::gather(p, i64)), {20, 20, 40});
  // rank-2 indices into rank-1 params: shape of the indices
  const auto i2 = sf::constant<std::int64_t, shape<2, 2>>({0, 4, 3, 3});
  auto e2 = sf::gather(p, i2);
  static_assert(std::is_same_v<decltype(e2)::shape_type, shape<2, 2>>);
  check_values(sf::eval(e2), {10, 50, 40, 40});
}

TEST_CASE("gather of rank-2 and rank-3 params by rank-1 and rank-2 indices", "[expr][gather]") {
  // p = [[0,1,2],[3,4,5],[6,7,8],[9,10,11]]
  const auto p = iota<float, shape<4, 3>>(0);
  const auto i1 = sf::constant<std::int32_t, shape<3>>({2, 2, 0});
  auto e1 = sf::gather(p, i1);
  static_assert(std::is_same_v<decltype(e1)::shape_type, shape<3, 3>>);
  check_values(sf::eval(e1), {6, 7, 8, 6, 7, 8, 0, 1, 2});
  const auto i2 = sf::constant<std::int64_t, shape<2, 2>>({3, 1, 1, 0});
  auto e2 = sf::gather(p, i2);
  static_assert(std::is_same_v<decltype(e2)::shape_type, shape<2, 2, 3>>);
  check_values(sf::eval(e2), {9, 10, 11, 3, 4, 5, 3, 4, 5, 0, 1, 2});

  // q [3,2,2] = 0..11: rows are [0..3], [4..7], [8..11]
  const auto q = iota<double, shape<3, 2, 2>>(0);
  const auto j1 = sf::constant<std::int32_t, shape<2>>({2, 0});
  auto f1 = sf::gather(q, j1);
  static_assert(std::is_same_v<decltype(f1)::shape_type, shape<2, 2, 2>>);
  check_values(sf::eval(f1), {8, 9, 10, 11, 0, 1, 2, 3});
  const auto j2 = sf::constant<std::int64_t, shape<2, 3>>({1, 1, 2, 0, 2, 1});
  auto f2 = sf::gather(q, j2);
  static_assert(std::is_same_v<decltype(f2)::shape_type, shape<2, 3, 2, 2>>);
  check_values(sf::eval(f2), ref_gather(to_flat(q), {1, 1, 2, 0, 2, 1}).v);
  // the reference on a hand-worked case
  CHECK(ref_gather({{0, 1, 2, 3, 4, 5}, {3, 2}}, {2, 0}).v == std::vector<double>{4, 5, 0, 1});
}

TEST_CASE("gather of expressions, inside expressions, and with dyn indices", "[expr][gather]") {
  const auto p = iota<float, shape<4, 2>>(1);  // [[1,2],[3,4],[5,6],[7,8]]
  const auto i = sf::constant<std::int32_t, shape<2>>({3, 1});
  // params a fused expression
  check_values(sf::eval(sf::gather(p * 2.f - 1.f, i)), {13, 15, 5, 7});
  // the gathered rows fused into what follows
  check_values(sf::eval(sf::relu(sf::gather(p, i) - 4.f)), {3, 4, 0, 0});
  check_values(sf::eval(sf::reduce_sum<1>(sf::gather(p, i))), {15, 7});
  // a gather of a matmul: p [[1,0],[0,-1]] = [[1,-2],[3,-4],[5,-6],[7,-8]]
  const auto m = sf::constant<float, shape<2, 2>>({1.f, 0.f, 0.f, -1.f});
  check_values(sf::eval(sf::gather(sf::matmul(p, m), i)), {7, -8, 3, -4});
  // dyn indices and dyn params rows
  const auto di = sf::constant<std::int64_t, shape<dyn>>({0, 2, 2, 1, 0});
  const auto g = sf::eval(sf::gather(p, di));
  CHECK(dims_of(g) == std::vector<std::size_t>{5, 2});
  check_values(g, {1, 2, 5, 6, 5, 6, 3, 4, 1, 2});
  const auto dp = sf::constant<float, shape<dyn, 2>>({1.f, 2.f, 3.f, 4.f});
  const auto i10 = sf::constant<std::int32_t, shape<3>>({1, 0, 1});
  check_values(sf::eval(sf::gather(dp, i10)), {3, 4, 1, 2, 3, 4});
  CHECK_THROWS_AS(sf::eval(sf::gather(dp, i)), sf::invalid_argument);  // row 3 of 2
}

TEST_CASE("gather: an index outside [0, rows) throws, naming the index", "[expr][gather]") {
  const auto p = iota<float, shape<4, 3>>(0);
  const auto high = sf::constant<std::int32_t, shape<3>>({0, 4, 1});
  std::string msg = message_of<sf::invalid_argument>([&] { (void)sf::eval(sf::gather(p, high)); });
  CHECK_THAT(msg, Catch::Contains("sf::gather") && Catch::Contains("indices[1] = 4") && Catch::Contains("[0, 4)"));
  const auto neg = sf::constant<std::int64_t, shape<2, 2>>({0, 1, 2, -1});
  msg = message_of<sf::invalid_argument>([&] { (void)sf::eval(sf::gather(p, neg)); });
  CHECK_THAT(msg, Catch::Contains("indices[3] = -1") && Catch::Contains("[0, 4)"));
  const auto far = sf::constant<std::int64_t, shape<1>>({1000000000000LL});
  msg = message_of<sf::invalid_argument>([&] { (void)sf::eval(sf::gather(p, far)); });
  CHECK_THAT(msg, Catch::Contains("indices[0] = 1000000000000"));
  // the last row itself is in range
  const auto last = sf::constant<std::int32_t, shape<1>>({3});
  check_values(sf::eval(sf::gather(p, last)), {9, 10, 11});
}

// ---- one_hot ---------------------------------------------------------------------------------------

TEST_CASE("one_hot of rank-1 indices: default on/off, float", "[expr][one_hot]") {
  const auto i = sf::constant<std::int64_t, shape<4>>({0, 2, 1, 2});
  auto e = sf::one_hot<3>(i);
  static_assert(std::is_same_v<decltype(e)::shape_type, shape<4, 3>>);
  static_assert(std::is_same_v<decltype(e)::value_type, float>);
  check_values(sf::eval(e), {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1});
  // int32 indices, Depth 1 and a depth beyond every index
  const auto j = sf::constant<std::int32_t, shape<3>>({0, 0, 1});
  check_values(sf::eval(sf::one_hot<1>(j)), {1, 1, 0});
  check_values(sf::eval(sf::one_hot<5>(j)), {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0});
}

TEST_CASE("one_hot of rank-2 indices with custom on/off values and out-of-range indices", "[expr][one_hot]") {
  // [[0, 1], [2, -1]] depth 3, on 5, off -1: the -1 gives a row of off
  const auto i = sf::constant<std::int32_t, shape<2, 2>>({0, 1, 2, -1});
  auto e = sf::one_hot<3>(i, 5.0, -1.0);
  static_assert(std::is_same_v<decltype(e)::shape_type, shape<2, 2, 3>>);
  static_assert(std::is_same_v<decltype(e)::value_type, double>);
  check_values(sf::eval(e), {5, -1, -1, -1, 5, -1, -1, -1, 5, -1, -1, -1});
  // indices at and beyond the depth, and far negative, int64
  const auto k = sf::constant<std::int64_t, shape<5>>({3, 1, 7, -3, 2});
  check_values(sf::eval(sf::one_hot<3>(k, 2.5f, 0.5f)), {0.5, 0.5, 0.5, 0.5, 2.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 2.5});
  // the explicit dtype
  const auto one = sf::constant<std::int32_t, shape<1>>({1});
  auto h = sf::one_hot<2, double>(one);
  static_assert(std::is_same_v<decltype(h)::value_type, double>);
  check_values(sf::eval(h), {0, 1});
  // integer on/off values
  auto ih = sf::one_hot<3, std::int32_t>(k, 7, -7);
  static_assert(std::is_same_v<decltype(ih)::value_type, std::int32_t>);
  check_values(sf::eval(ih), {-7, -7, -7, -7, 7, -7, -7, -7, -7, -7, -7, -7, -7, -7, 7});
  // fused into what follows, and with dyn indices
  const auto d = sf::constant<std::int32_t, shape<dyn>>({2, 0});
  const auto r = sf::eval(sf::one_hot<4>(d) * 3.f + 1.f);
  CHECK(dims_of(r) == std::vector<std::size_t>{2, 4});
  check_values(r, {1, 1, 4, 1, 4, 1, 1, 1});
  // one_hot then matmul: rows of w picked, [[1,2],[3,4],[5,6]]
  const auto w = iota<float, shape<3, 2>>(1);
  const auto pick = sf::constant<std::int32_t, shape<2>>({2, 3});
  check_values(sf::eval(sf::matmul(sf::one_hot<3>(pick), w)), {5, 6, 0, 0});
}
