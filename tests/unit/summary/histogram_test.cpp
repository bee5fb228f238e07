// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/summary/histogram.hpp against hand-worked numbers: TF 1.x's default
/// bucket limits (1e-12 * 1.1^k below 1e20, mirrored, 0 and DBL_MAX) and the HistogramProto of a
/// small vector, empty runs collapsed.
///
/// Worked by hand with logarithms (log10(1.1) = 0.0413926852): the largest k with
/// 1e-12 * 1.1^k < 1e20 is floor(32 / 0.0413926852) = floor(773.08) = 773, so 774 positive
/// limits, DBL_MAX, their negatives and 0: 1551 limits; 0 sits at index 775.
/// A value x > 0 lands in the bucket whose limit is the first v_k > x:
///   x = 1:   k = ceil(12 / 0.0413926852) = ceil(289.91) = 290, v_290 = 10^(0.0038789) = 1.008971,
///            index 776 + 290 = 1066; v_289 = 1.008971 / 1.1 = 0.917246
///   x = 2.5: k = ceil((12 + 0.3979400) / 0.0413926852) = ceil(299.52) = 300,
///            v_300 = 10^(0.4178056) = 2.617011, index 1076; v_299 = 2.379101
///   x = -1:  the first limit above -1 is -v_289 = -0.917246, index 775 - 1 - 289 = 485
///   x = 0:   the first limit above 0 is v_0 = 1e-12, index 776

#include "staticflow/summary/histogram.hpp"

#include <catch2/catch.hpp>

#include <bit>
#include <cfloat>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace sf = staticflow;
namespace summary = staticflow::summary;
namespace proto = staticflow::io::proto;
using Catch::Matchers::Contains;

namespace {
/// A packed repeated double field's values (little-endian, 8 bytes each).
std::vector<double> packed_doubles(std::span<const std::byte> payload) {
  std::vector<double> out;
  for (std::size_t at = 0; at + 8 <= payload.size(); at += 8) {
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= std::uint64_t{static_cast<std::uint8_t>(payload[at + i])} << (8 * i);
    out.push_back(std::bit_cast<double>(bits));
  }
  return out;
}
}  // namespace

TEST_CASE("default bucket limits: 1551 values, symmetric, from 1e-12 growing by 10% below 1e20") {
  const auto& b = summary::default_bucket_limits();
  REQUIRE(b.size() == 1551);
  CHECK(b[0] == -DBL_MAX);
  CHECK(b[1550] == DBL_MAX);
  CHECK(b[775] == 0.0);
  CHECK(b[776] == 1e-12);
  CHECK(b[777] == Approx(1.1e-12).epsilon(1e-12));
  CHECK(b[774] == -1e-12);
  CHECK(b[1549] == Approx(9.9208e19).epsilon(1e-4));  // 10^(773 * 0.0413926852 - 12)
  CHECK(b[1549] < 1e20);
  CHECK(b[1549] * 1.1 >= 1e20);
  for (std::size_t i = 0; i < b.size(); ++i) CHECK(b[i] == -b[b.size() - 1 - i]);
  for (std::size_t i = 1; i < b.size(); ++i) REQUIRE(b[i - 1] < b[i]);
  CHECK(b[1066] == Approx(1.008971).epsilon(1e-5));
  CHECK(b[1076] == Approx(2.617011).epsilon(1e-5));
}

TEST_CASE("histogram of {0, 1, -1, 2.5}: buckets, min, max, num, sum, sum of squares") {
  summary::value_histogram h;
  const std::vector<float> values = {0.f, 1.f, -1.f, 2.5f};
  h.add_all(std::span<const float>(values), "v");
  CHECK(h.min() == -1.0);
  CHECK(h.max() == 2.5);
  CHECK(h.num() == 4.0);
  CHECK(h.sum() == 2.5);
  CHECK(h.sum_squares() == 8.25);
  const auto c = h.counts();
  CHECK(c[776] == 1.0);
  CHECK(c[1066] == 1.0);
  CHECK(c[485] == 1.0);
  CHECK(c[1076] == 1.0);
  double total = 0;
  for (double x : c) total += x;
  CHECK(total == 4.0);

  std::vector<double> limits, counts;
  h.collapsed(limits, counts);
  const std::vector<double> want_limits = {-1.008971, -0.917246, 0.0, 1e-12, 0.917246, 1.008971, 2.379101, 2.617011, DBL_MAX};
  const std::vector<double> want_counts = {0, 1, 0, 1, 0, 1, 0, 1, 0};
  REQUIRE(limits.size() == want_limits.size());
  for (std::size_t i = 0; i < limits.size(); ++i) {
    CHECK(limits[i] == Approx(want_limits[i]).epsilon(1e-5));
    CHECK(counts[i] == want_counts[i]);
  }
}

TEST_CASE("a limit itself goes to the next bucket (the limit is exclusive)") {
  summary::value_histogram h;
  h.add(1e-12);  // equal to limit 776: counted in bucket 777, [1e-12, 1.1e-12)
  h.add(-1e-12); // equal to limit 774: counted in bucket 775, [-1e-12, 0)
  CHECK(h.counts()[777] == 1.0);
  CHECK(h.counts()[775] == 1.0);
  h.add(DBL_MAX);  // no limit above it: kept in the last bucket
  CHECK(h.counts()[1550] == 1.0);
}

TEST_CASE("an empty histogram encodes as TF's: one bucket (DBL_MAX, 0), min DBL_MAX, max -DBL_MAX") {
  summary::value_histogram h;
  proto::writer w;
  h.encode_fields(w);
  // Hand-built: min (field 1, fixed64 tag 0x09) and max (0x11) are written; num, sum and
  // sum_squares are 0 and left out (proto3); bucket_limit (0x32) one double, bucket (0x3A) one 0.0.
  proto::writer want;
  want.float64(1, DBL_MAX);
  want.float64(2, -DBL_MAX);
  want.length_delimited_header(6, 8);
  want.raw_fixed64(0x7FEFFFFFFFFFFFFFull);  // DBL_MAX's bits
  want.length_delimited_header(7, 8);
  want.raw_fixed64(0);
  CHECK(w.str() == want.str());
}

TEST_CASE("the encoded HistogramProto holds the collapsed buckets and the statistics") {
  summary::value_histogram h;
  for (double x : {3.0, -2.0}) h.add(x);
  proto::writer w;
  h.encode_fields(w);
  proto::reader r(w.str(), "HistogramProto");
  std::vector<double> limits, counts;
  double min = 0, max = 0, num = 0, sum = 0, sq = 0;
  for (proto::field f; r.next(f);) {
    switch (f.number) {
      case 1: min = r.as_double(f); break;
      case 2: max = r.as_double(f); break;
      case 3: num = r.as_double(f); break;
      case 4: sum = r.as_double(f); break;
      case 5: sq = r.as_double(f); break;
      case 6: limits = packed_doubles(f.payload); break;
      case 7: counts = packed_doubles(f.payload); break;
    }
  }
  CHECK(min == -2.0);
  CHECK(max == 3.0);
  CHECK(num == 2.0);
  CHECK(sum == 1.0);
  CHECK(sq == 13.0);
  // 3: k = ceil((12 + 0.4771213) / 0.0413926852) = ceil(301.44) = 302, index 1078;
  // -2: the first limit above -2 is -v_k for the largest v_k < 2: (12 + 0.30103) / 0.0413926852
  // = 297.18, so k = 297 and the limit is -10^(297 * 0.0413926852 - 12) = -1.966199
  REQUIRE(limits.size() == 5);  // empty run, -2's bucket, empty run, 3's bucket, empty run
  CHECK(counts == std::vector<double>{0, 1, 0, 1, 0});
  CHECK(limits[3] == Approx(3.166583).epsilon(1e-5));  // v_302 = 10^(302 * 0.0413926852 - 12)
  CHECK(limits[1] == Approx(-1.966199).epsilon(1e-5));
  CHECK(limits[3] > 3.0);
  CHECK(limits[3] / 1.1 <= 3.0);
  CHECK(limits[1] > -2.0);
  CHECK(limits[1] * 1.1 <= -2.0);
  CHECK(limits[4] == DBL_MAX);
}

TEST_CASE("NaN and infinity are rejected, naming the tag and the index") {
  summary::value_histogram h;
  const std::vector<double> values = {1.0, std::numeric_limits<double>::quiet_NaN()};
  CHECK_THROWS_MATCHES(h.add_all(std::span<const double>(values), "fc1/weights"), sf::invalid_argument,
                       Catch::Matchers::Predicate<sf::invalid_argument>([](const auto& e) {
                         const std::string m = e.what();
                         return m.find("NaN") != std::string::npos && m.find("fc1/weights") != std::string::npos &&
                                m.find("flat index 1") != std::string::npos;
                       }));
  CHECK_THROWS_AS(h.add(std::numeric_limits<double>::infinity()), sf::invalid_argument);
}
