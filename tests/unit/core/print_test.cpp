// SPDX-License-Identifier: MIT
/// \file
/// \brief `operator<<` prints exactly what numpy's `print(array)` prints (numpy >= 1.14 defaults).
///
/// Every expected string was derived by hand from numpy's documented algorithm
/// (FloatingFormat / IntegerFormat / BoolFormat and _formatArray with linewidth 75).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>

#include "staticflow/core/print.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;
using sf::dyn;
using sf::shape;

namespace {
template <class T>
std::string str(const T& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

template <class T, class S>
sf::tensor<T, S> iota(std::size_t n_dyn = 0) {
  sf::tensor<T, S> t;
  if constexpr (S::dyn_count == 1) t.resize(n_dyn);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<T>(i);
  return t;
}
}  // namespace

TEST_CASE("floats align on the decimal point", "[print]") {
  CHECK(str(sf::constant<float, shape<3>>({0.5f, 1.f, 2.f})) == "[0.5 1.  2. ]");
  CHECK(str(sf::constant<float, shape<3>>({1.f, 2.f, 3.f})) == "[1. 2. 3.]");
  CHECK(str(sf::constant<double, shape<2, 2>>({1, 2, 3, 4})) == "[[1. 2.]\n [3. 4.]]");
  // The int part is padded to "-1" (2 characters) and the fraction to 1 digit: "-1. " and " 2.5".
  CHECK(str(sf::constant<double, shape<2>>({-1.0, 2.5})) == "[-1.   2.5]");
  CHECK(str(sf::constant<double, shape<2>>({0.0, 0.0})) == "[0. 0.]");
  CHECK(str(sf::constant<double, shape<3>>({-0.25, 10.0, 100.125})) == "[ -0.25   10.    100.125]");  // " -0.25 ", " 10.   ", "100.125"
}

TEST_CASE("floats use the shortest digits of their own type, at most 8", "[print]") {
  // float32(0.3) is 0.300000011920929: numpy prints "0.3"; 1/3 needs 8 digits.
  CHECK(str(sf::constant<float, shape<2>>({0.3f, 1.0f / 3.0f})) == "[0.3" + std::string(8, ' ') + "0.33333334]");
  CHECK(str(sf::constant<double, shape<1>>({1.0 / 3.0})) == "[0.33333333]");
  CHECK(str(sf::constant<double, shape<2>>({0.1, 0.2})) == "[0.1 0.2]");
  CHECK(str(sf::constant<double, shape<1>>({0.100000001})) == "[0.1]");  // rounded to 8 digits
}

TEST_CASE("scientific notation when magnitudes span too much", "[print]") {
  CHECK(str(sf::constant<double, shape<2>>({1e-5, 1.0})) == "[1.e-05 1.e+00]");
  CHECK(str(sf::constant<double, shape<2>>({1.5e-5, 1.0})) == "[1.5e-05 1.0e+00]");
  CHECK(str(sf::constant<double, shape<2>>({1.0, 2000.0})) == "[1.e+00 2.e+03]");  // ratio > 1e3
  CHECK(str(sf::constant<float, shape<1>>({1e8f})) == "[1.e+08]");
  CHECK(str(sf::constant<double, shape<2>>({-1e-5, 1.0})) == "[-1.e-05  1.e+00]");
  CHECK(str(sf::constant<double, shape<2>>({0.0, 1e-5})) == "[0.e+00 1.e-05]");
  CHECK(str(sf::constant<double, shape<2>>({1.0, 1000.0})) == "[   1. 1000.]");  // ratio exactly 1e3
}

TEST_CASE("nan and inf widen the columns as numpy does", "[print]") {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  CHECK(str(sf::constant<double, shape<2>>({nan, 1.5})) == "[nan 1.5]");
  CHECK(str(sf::constant<double, shape<2>>({1.0, nan})) == "[ 1. nan]");
  CHECK(str(sf::constant<double, shape<2>>({-inf, 2.5})) == "[-inf  2.5]");
  CHECK(str(sf::constant<double, shape<2>>({inf, 1.0})) == "[inf  1.]");
}

TEST_CASE("integers and booleans", "[print]") {
  CHECK(str(sf::constant<std::int32_t, shape<3>>({1, -20, 300})) == "[  1 -20 300]");
  CHECK(str(sf::constant<std::int64_t, shape<2, 2>>({1, 2, 3, 4})) == "[[1 2]\n [3 4]]");
  CHECK(str(sf::constant<std::uint8_t, shape<2>>({7, 255})) == "[  7 255]");
  CHECK(str(sf::constant<std::int8_t, shape<2>>({-128, 5})) == "[-128    5]");
  CHECK(str(sf::constant<bool, shape<2>>({true, false})) == "[ True False]");
  CHECK(str(sf::constant<bool, shape<2>>({true, true})) == "[ True  True]");
  CHECK(str(sf::constant<bool, shape<2>>({false, false})) == "[False False]");
}

TEST_CASE("rank 0, empty and rank 3", "[print]") {
  sf::tensor<float, shape<>> s;
  s.data()[0] = 1.0f;
  CHECK(str(s) == "1.0");  // numpy prints a 0-d array as its scalar
  s.data()[0] = 0.3f;
  CHECK(str(s) == "0.3");
  sf::tensor<std::int32_t, shape<>> i;
  i.data()[0] = -7;
  CHECK(str(i) == "-7");

  CHECK(str(sf::tensor<float, shape<dyn>>(0)) == "[]");
  CHECK(str(sf::tensor<float, shape<dyn, 3>>(0)) == "[]");

  // numpy separates the 2-D blocks of a 3-D array by a blank line.
  CHECK(str(iota<std::int32_t, shape<2, 2, 2>>()) == "[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]");
  CHECK(str(sf::constant<float, shape<2, 1, 2>>({1, 2, 3, 4.5f})) == "[[[1.  2. ]]\n\n [[3.  4.5]]]");
}

TEST_CASE("more than 1000 elements are summarised", "[print]") {
  CHECK(str(iota<std::int32_t, shape<2000>>()) == "[   0    1    2 ... 1997 1998 1999]");
  CHECK(str(iota<std::int32_t, shape<2, 1000>>()) ==
        "[[   0    1    2 ...  997  998  999]\n [1000 1001 1002 ... 1997 1998 1999]]");
  CHECK(str(iota<std::int32_t, shape<dyn, 2>>(1000)) ==
        "[[   0    1]\n [   2    3]\n [   4    5]\n ...\n [1994 1995]\n [1996 1997]\n [1998 1999]]");
  // Exactly 1000 elements are printed in full.
  const std::string full = str(iota<std::int32_t, shape<1000>>());
  CHECK(full.find("...") == std::string::npos);
  CHECK(full.find(" 500 ") != std::string::npos);
}

TEST_CASE("long rows wrap at 75 characters", "[print]") {
  CHECK(str(iota<std::int32_t, shape<30>>()) ==
        "[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n 24 25 26 27 28 29]");
  // Each nesting level reserves one more column for its ']': rows of a 3-D array fit 23 items.
  CHECK(str(iota<std::int32_t, shape<1, 2, 30>>()) ==
        "[[[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22\n"
        "   23 24 25 26 27 28 29]\n"
        "  [30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52\n"
        "   53 54 55 56 57 58 59]]]");
  // The padding of the last cell on a wrapped line is stripped: 18 cells of width 3 fit.
  sf::tensor<double, shape<30>> alt;
  for (std::size_t k = 0; k < 30; ++k) alt(k) = k % 2 ? 2.0 : 1.5;
  std::string line1 = "[", line2 = " ";
  for (std::size_t k = 0; k < 18; ++k) line1 += std::string(k ? " " : "") + (k % 2 ? "2. " : "1.5");
  for (std::size_t k = 18; k < 30; ++k) line2 += std::string(k > 18 ? " " : "") + (k % 2 ? "2. " : "1.5");
  line1.pop_back();  // "2. " at the end of the line loses its trailing blank
  CHECK(str(alt) == line1 + "\n" + line2 + "]");
}

TEST_CASE("views print like tensors", "[print]") {
  auto a = sf::constant<float, shape<2, 3>>({1, 2, 3, 4, 5, 6});
  CHECK(str(a[1]) == "[4. 5. 6.]");
  CHECK(str(a.slice(0, 1)) == "[[1. 2. 3.]]");
}
