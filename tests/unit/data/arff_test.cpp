// SPDX-License-Identifier: MIT
/// \file
/// \brief The ARFF reader on a hand-written file (comments, quoted names and values, missing
/// values, case-insensitive keywords), `features::from_arff`, and its errors with file and line.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include <staticflow/data/arff.hpp>
#include <staticflow/features/from_arff.hpp>

#include "../../temp_dir.hpp"

namespace sd = staticflow::data;
namespace sf = staticflow;

TEST_CASE("read_arff reads attributes and rows; from_arff makes a feature batch", "[data][arff]") {
  sf_test::temp_dir dir;
  std::ofstream(dir / "w.arff") << "% the weather\n@RELATION weather\n\n"
                                   "@attribute outlook {sunny, 'over cast', rainy}\n"
                                   "@attribute temperature NUMERIC\n"
                                   "@attribute 'play golf' { yes, no }\n"
                                   "@data\n"
                                   "sunny,85,no\n"
                                   "'over cast', 83.5 ,yes\n"
                                   "% a comment among the rows\n"
                                   "?,?,yes\n";
  const auto f = sd::read_arff((dir / "w.arff").string());
  CHECK(f.relation == "weather");
  REQUIRE(f.attributes.size() == 3);
  CHECK(f.attributes[0].values == std::vector<std::string>{"sunny", "over cast", "rainy"});
  CHECK(f.attributes[1].numeric);
  CHECK(f.attributes[2].name == "play golf");
  CHECK(f.index("play golf") == 2);
  REQUIRE(f.rows.size() == 3);
  CHECK(f.rows[1] == std::vector<std::string>{"over cast", "83.5", "yes"});
  CHECK(f.rows[2] == std::vector<std::string>{"", "", "yes"});

  const auto b = staticflow::features::from_arff(f, {2, 1}, -1.f);
  CHECK(b.rows() == 2);
  CHECK(b.get<float>("temperature", "t") == std::vector<float>{-1.f, 83.5f});
  CHECK(b.get<std::string>("outlook", "o") == std::vector<std::string>{"", "over cast"});
}

TEST_CASE("read_arff names the file and line of what it cannot read", "[data][arff]") {
  sf_test::temp_dir dir;
  const auto check = [&](const std::string& text, const std::string& message) {
    std::ofstream(dir / "bad.arff") << text;
    CHECK_THROWS_WITH(sd::read_arff((dir / "bad.arff").string()), Catch::Contains(message));
  };
  check("@attribute a numeric\n@data\n1,2\n", "bad.arff:3: 2 fields, expected 1");
  check("@attribute a {x, y}\n@data\nz\n", "bad.arff:3: 'z' is not a value of nominal attribute 'a'");
  check("@attribute a numeric\n@data\nten\n", "bad.arff:3: column 1 ('a'): cannot parse 'ten'");
  check("@attribute a date\n@data\n", "bad.arff:1: attribute 'a' has type 'date'");
  check("@attribute a numeric\n", "no @data section");
  check("hello\n", "bad.arff:1: expected @relation, @attribute or @data");
  check("@attribute a numeric\n@data\n{0 1}\n", "sparse ARFF rows are not read");
  check("@attribute a {'x, y}\n@data\n", "bad.arff:1");
  CHECK_THROWS_AS(sd::read_arff((dir / "none.arff").string()), sf::not_found);
}
