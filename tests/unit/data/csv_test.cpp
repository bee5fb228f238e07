// SPDX-License-Identifier: MIT
/// \file
/// \brief CSV input: RFC 4180's quoting rules (its own examples), typed decoding with record
/// defaults as TF's decode_csv, the dataset's header, multi-line records and errors naming the
/// file, line and column.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include <staticflow/data/csv.hpp>

#include "../../temp_dir.hpp"

namespace sd = staticflow::data;
namespace sf = staticflow;

TEST_CASE("split_csv follows RFC 4180", "[data][csv]") {
  using v = std::vector<std::string>;
  CHECK(sd::split_csv("aaa,bbb,ccc") == v{"aaa", "bbb", "ccc"});
  CHECK(sd::split_csv(R"("aaa","b,bb","ccc")") == v{"aaa", "b,bb", "ccc"});          // delimiter inside quotes
  CHECK(sd::split_csv("\"aaa\",\"b\nbb\",\"ccc\"") == v{"aaa", "b\nbb", "ccc"});     // line break inside quotes
  CHECK(sd::split_csv(R"("aaa","b""bb","ccc")") == v{"aaa", "b\"bb", "ccc"});        // a quote written twice
  CHECK(sd::split_csv(",,") == v{"", "", ""});
  CHECK(sd::split_csv("") == v{""});
  CHECK(sd::split_csv("a; b", {.delimiter = ';', .skip_initial_space = true}) == v{"a", "b"});
  CHECK(sd::split_csv("a, b") == v{"a", " b"});
  CHECK_THROWS_WITH(sd::split_csv(R"(a,"b)", {}, "f.csv:3"), Catch::Contains("f.csv:3: column 2") &&
                                                                  Catch::Contains("no closing quote"));
  CHECK_THROWS_WITH(sd::split_csv(R"("a"b,c)"), Catch::Contains("text after the closing quote"));
  CHECK(sd::csv_complete("a,\"b\nc\""));
  CHECK_FALSE(sd::csv_complete("a,\"b"));
}

TEST_CASE("decode_csv types fields by the record defaults", "[data][csv]") {
  const auto defaults = std::make_tuple(0.f, std::int64_t{-1}, std::string("none"), sd::required<double>{});
  const auto [f, i, s, d] = sd::decode_csv("1.5,42,abc,-2e-3", defaults);
  CHECK(f == 1.5f);
  CHECK(i == 42);
  CHECK(s == "abc");
  CHECK(d == -0.002);
  const auto [f2, i2, s2, d2] = sd::decode_csv(",,,7", defaults);  // empty fields take the defaults
  CHECK(f2 == 0.f);
  CHECK(s2 == "none");
  CHECK(d2 == 7.0);
  (void)i2;
  CHECK(std::get<1>(sd::decode_csv("1,NA,x,1", defaults, {.na_value = "NA"})) == -1);

  CHECK_THROWS_WITH(sd::decode_csv("1,2,x,", defaults, {}, "t.csv:9"),
                    Catch::Contains("t.csv:9: column 4") && Catch::Contains("empty and the column has no default"));
  CHECK_THROWS_WITH(sd::decode_csv("1.5x,2,x,1", defaults), Catch::Contains("cannot parse '1.5x' as float32"));
  CHECK_THROWS_WITH(sd::decode_csv("1,2.5,x,1", defaults), Catch::Contains("cannot parse '2.5' as int64"));
  CHECK_THROWS_WITH(sd::decode_csv("1,99999999999999999999,x,1", defaults), Catch::Contains("out of range for int64"));
  CHECK_THROWS_WITH(sd::decode_csv("1,2,x", defaults), Catch::Contains("3 fields, expected 4"));
  const std::vector<std::string> names{"age", "hours", "job", "weight"};
  CHECK_THROWS_WITH(sd::decode_csv("x,2,x,1", defaults, {}, "a.csv:2", &names), Catch::Contains("column 1 ('age')"));
}

TEST_CASE("csv_dataset reads files with headers, records over several lines, and names the line of an error",
          "[data][csv]") {
  sf_test::temp_dir dir;
  std::ofstream(dir / "a.csv") << "age,name,score\r\n30,\"Smith, J\",1.5\r\n\r\n41,\"two\nlines\",2\n";
  std::ofstream(dir / "b.csv") << "age,name,score\n7,\"say \"\"hi\"\"\",3";
  const auto defaults = std::make_tuple(std::int64_t{0}, std::string(), 0.f);
  sd::csv_dataset ds({(dir / "a.csv").string(), (dir / "b.csv").string()}, defaults, {.header = true});
  std::vector<std::tuple<std::int64_t, std::string, float>> rows;
  for (auto&& r : ds) rows.push_back(r);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == std::make_tuple(std::int64_t{30}, std::string("Smith, J"), 1.5f));
  CHECK(rows[1] == std::make_tuple(std::int64_t{41}, std::string("two\nlines"), 2.f));
  CHECK(rows[2] == std::make_tuple(std::int64_t{7}, std::string("say \"hi\""), 3.f));

  std::ofstream(dir / "bad.csv") << "age,name,score\n1,a,2\n2,b,x\n";
  sd::csv_dataset bad({(dir / "bad.csv").string()}, defaults, {.header = true});
  auto it = bad.make_cursor();
  CHECK(it.next().has_value());
  CHECK_THROWS_WITH(it.next(), Catch::Contains("bad.csv:3: column 3 ('score'): cannot parse 'x' as float32"));

  std::ofstream(dir / "open.csv") << "1,\"a\n";
  sd::csv_dataset open({(dir / "open.csv").string()}, defaults);
  auto o = open.make_cursor();
  CHECK_THROWS_WITH(o.next(), Catch::Contains("open.csv:1: the file ends inside a quoted field"));
  sd::csv_dataset missing({(dir / "none.csv").string()}, defaults);
  CHECK_THROWS_AS(missing.make_cursor().next(), sf::not_found);
}
