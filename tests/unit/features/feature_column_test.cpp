// SPDX-License-Identifier: MIT
/// \file
/// \brief Feature columns against TF's definitions: Fingerprint64 against published test vectors
/// of FarmHash's Fingerprint64 and TF's documented `to_hash_bucket_fast` example; vocabulary,
/// identity, bucketized, crossed and indicator columns and `input_layer` by hand.
#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <staticflow/staticflow.hpp>
#include <staticflow/features.hpp>

#include "../../temp_dir.hpp"

namespace fc = staticflow::features;
namespace sf = staticflow;

TEST_CASE("fingerprint64 gives FarmHash's published Fingerprint64 values", "[features][fingerprint]") {
  // One string for each code path: empty, 1-3, 4-7, 8-16, 17-32, 33-64 bytes, and longer ones
  // (one 64-byte block and several).
  struct vector {
    std::uint64_t hash;
    const char* text;
  };
  const vector vectors[] = {
      {0x9ae16a3b2f90404fULL, ""},
      {0xb3454265b6df75e3ULL, "a"},
      {0x24a5b3a074e7f369ULL, "abc"},
      {0xc22f4663e54e04d4ULL, "abcde"},
      {0xfee9d22990c82909ULL, "abcdefgh"},
      {0xad052244b781c4ebULL, "0123456789"},
      {0x4283d4ef43627f64ULL, "0123456789'01234"},
      {0x46a7416ed4861e3bULL, "0123456789=012345"},
      {0xd78d5f852d522e6aULL, "0123456789$0123456789!0"},
      {0xb944f8a16261e414ULL, "C is as portable as Stonehedge!!"},
      {0xe8f89ab6df9bdd25ULL, "Discard medicine more than two years old."},
      {0x786d7e1987023ca9ULL, "He who has a shady past knows that nice guys finish last."},
      {0x55182f8859eca4ceULL, "For every action there is an equal and opposite government program."},
      {0x7e85d7b050ed2967ULL, "There is no reason for any individual to have a computer in their home. -Ken Olsen, 1977"},
      {0x098eff6958c5e91aULL,
       "The fugacity of a constituent in a mixture of gases at a given temperature is proportional to its mole "
       "fraction.  Lewis-Randall Rule"},
  };
  for (const auto& v : vectors) {
    INFO(v.text);
    CHECK(fc::fingerprint64(v.text) == v.hash);
  }
  // TF's documentation: tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) -> [0, 2, 2].
  CHECK(fc::to_hash_bucket_fast("Hello", 3) == 0);
  CHECK(fc::to_hash_bucket_fast("TensorFlow", 3) == 2);
  CHECK(fc::to_hash_bucket_fast("2.x", 3) == 2);
}

TEST_CASE("fingerprint_cat64 mixes as TF's FingerprintCat64 does", "[features][fingerprint]") {
  // By hand from the definition: r = fp1 ^ m; r ^= shift_mix(fp2 * m) * m; r *= m;
  // r = shift_mix(r) * m; shift_mix(r), with m = 0xc6a4a7935bd1e995 and shift_mix(x) = x ^ (x >> 47).
  // For fp1 = fp2 = 0: r = m; r ^= 0; r = m * m; ... computed step by step below with wrap-around.
  const std::uint64_t m = 0xc6a4a7935bd1e995ULL;
  std::uint64_t r = m * m;
  r = (r ^ (r >> 47)) * m;
  r ^= r >> 47;
  CHECK(fc::fingerprint_cat64(0, 0) == r);
  CHECK(fc::fingerprint_cat64(1, 2) != fc::fingerprint_cat64(2, 1));  // order matters
}

namespace {

fc::feature_batch census_batch() {
  fc::feature_batch b(4);
  b.add("age", std::vector<float>{17, 25, 44.5f, 90});
  b.add("education", std::vector<std::string>{"Bachelors", "HS-grad", "Doctorate", ""});
  b.add("hours", std::vector<std::int64_t>{40, 20, 60, 5});
  b.add("relationship", std::vector<std::string>{"Husband", "Wife", "Husband", "Unmarried"});
  return b;
}

}  // namespace

TEST_CASE("vocabulary columns give the word's index, OOV buckets by Fingerprint64, or leave it out",
          "[features][columns]") {
  const auto b = census_batch();
  const auto edu = fc::categorical_column_with_vocabulary_list("education", {"HS-grad", "Bachelors", "Masters"});
  static_assert(decltype(edu)::num_buckets == 3);
  const auto ids = edu.ids(b);
  // Bachelors -> 1, HS-grad -> 0, Doctorate (not in the list, no OOV buckets) and "" left out.
  CHECK(ids.ids == std::vector<std::int64_t>{1, 0});
  CHECK(ids.row_splits == std::vector<std::size_t>{0, 1, 2, 2, 2});

  const auto edu_oov = fc::categorical_column_with_vocabulary_list<2>("education", {"HS-grad", "Bachelors", "Masters"});
  static_assert(decltype(edu_oov)::num_buckets == 5);
  CHECK(edu_oov.ids(b).ids ==
        std::vector<std::int64_t>{1, 0, 3 + static_cast<std::int64_t>(fc::fingerprint64("Doctorate") % 2)});

  const auto edu_default = fc::categorical_column_with_vocabulary_list("education", {"HS-grad", "Bachelors"}, 0);
  CHECK(edu_default.ids(b).ids == std::vector<std::int64_t>{1, 0, 0});

  CHECK_THROWS_WITH(fc::categorical_column_with_vocabulary_list("education", {"a", "b", "a"}),
                    Catch::Contains("'a' is in the vocabulary twice"));
  CHECK_THROWS_AS((fc::categorical_column_with_vocabulary_list<1>("education", {"a"}, 0)), sf::invalid_argument);

  sf_test::temp_dir dir;
  std::ofstream(dir / "vocab.txt") << "HS-grad\nBachelors\r\nMasters\nDoctorate\n";
  const auto from_file = fc::categorical_column_with_vocabulary_file<3>("education", (dir / "vocab.txt").string());
  CHECK(from_file.ids(b).ids == std::vector<std::int64_t>{1, 0});  // Doctorate is line 4, past vocabulary_size
  CHECK_THROWS_WITH((fc::categorical_column_with_vocabulary_file<5>("education", (dir / "vocab.txt").string())),
                    Catch::Contains("has 4 lines, fewer than vocabulary_size 5"));
  CHECK_THROWS_AS((fc::categorical_column_with_vocabulary_file<2>("education", (dir / "none.txt").string())),
                  sf::not_found);
}

TEST_CASE("hash bucket, identity and bucketized columns", "[features][columns]") {
  const auto b = census_batch();
  const auto rel = fc::categorical_column_with_hash_bucket<100>("relationship");
  const std::int64_t husband = static_cast<std::int64_t>(fc::fingerprint64("Husband") % 100);
  CHECK(rel.ids(b).ids == std::vector<std::int64_t>{husband, static_cast<std::int64_t>(fc::fingerprint64("Wife") % 100),
                                                    husband, static_cast<std::int64_t>(fc::fingerprint64("Unmarried") % 100)});
  // Integers are hashed as their decimal text, as TF's hash bucket column does.
  const auto hours_hashed = fc::categorical_column_with_hash_bucket<7>("hours");
  CHECK(hours_hashed.ids(b).ids[0] == static_cast<std::int64_t>(fc::fingerprint64("40") % 7));

  const auto hours = fc::categorical_column_with_identity<50>("hours");
  CHECK_THROWS_WITH(hours.ids(b), Catch::Contains("value 60 in row 2 is not below num_buckets 50"));
  const auto hours_default = fc::categorical_column_with_identity<50>("hours", 49);
  CHECK(hours_default.ids(b).ids == std::vector<std::int64_t>{40, 20, 49, 5});

  // Buckets (-inf, 18), [18, 30), [30, 65), [65, inf): 17 -> 0, 25 -> 1, 44.5 -> 2, 90 -> 3.
  const auto age = fc::bucketized_column(fc::numeric_column("age"), std::array{18.f, 30.f, 65.f});
  static_assert(decltype(age)::num_buckets == 4);
  CHECK(age.ids(b).ids == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(age.name() == "age_bucketized");
  fc::feature_batch edge(1);
  edge.add("age", std::vector<float>{30});
  CHECK(age.ids(edge).ids == std::vector<std::int64_t>{2});  // a boundary belongs to the bucket it starts
  CHECK_THROWS_AS(fc::bucketized_column(fc::numeric_column("age"), std::array{3.f, 3.f}), sf::invalid_argument);
}

TEST_CASE("crossed columns hash every combination as TF's sparse_cross_hashed", "[features][columns]") {
  fc::feature_batch b(2);
  b.add("a", std::vector<std::string>{"x", "y"});
  b.add("n", std::vector<std::int64_t>{3, 4});
  const auto cross = fc::crossed_column<1000>("a", "n");
  CHECK(cross.name() == "a_X_n");
  const std::uint64_t key = 0xDECAFCAFFEULL;
  const auto expect = [&](const char* s, std::uint64_t n) {
    return static_cast<std::int64_t>(fc::fingerprint_cat64(fc::fingerprint_cat64(key, fc::fingerprint64(s)), n) % 1000);
  };
  CHECK(cross.ids(b).ids == std::vector<std::int64_t>{expect("x", 3), expect("y", 4)});

  // A categorical column as a key contributes its ids; a multivalent row crosses every pair.
  fc::feature_batch m(1);
  m.add("age", std::vector<float>{40});
  m.add("tags", std::vector<std::string>{"p", "q"});
  m.add("tags2", std::vector<std::string>{"r", "s"});
  const auto age = fc::bucketized_column(fc::numeric_column("age"), std::array{18.f, 30.f, 65.f});
  const auto c2 = fc::crossed_column<50>(age, "tags");
  CHECK(c2.name() == "age_bucketized_X_tags");
  const auto with_age = [&](const char* t) {
    return static_cast<std::int64_t>(fc::fingerprint_cat64(fc::fingerprint_cat64(key, 2), fc::fingerprint64(t)) % 50);
  };
  CHECK(c2.ids(m).ids == std::vector<std::int64_t>{with_age("p"), with_age("q")});
  // Two multivalent keys: p r, p s, q r, q s (the last key varies fastest).
  const auto c3 = fc::crossed_column<1 << 20>("tags", "tags2");
  const auto pair = [&](const char* x, const char* y) {
    return static_cast<std::int64_t>(
        fc::fingerprint_cat64(fc::fingerprint_cat64(key, fc::fingerprint64(x)), fc::fingerprint64(y)) % (1 << 20));
  };
  CHECK(c3.ids(m).ids == std::vector<std::int64_t>{pair("p", "r"), pair("p", "s"), pair("q", "r"), pair("q", "s")});

  fc::feature_batch floats(1);
  floats.add("a", std::vector<float>{1});
  floats.add("n", std::vector<std::int64_t>{1});
  CHECK_THROWS_WITH(cross.ids(floats), Catch::Contains("holds numbers: bucketize it first"));
}

TEST_CASE("input_layer concatenates dense columns in the order of their names", "[features][input_layer]") {
  const auto b = census_batch();
  const auto age = fc::numeric_column("age", [](float x) { return (x - 40) / 10; });
  const auto rel = fc::indicator_column(
      fc::categorical_column_with_vocabulary_list("relationship", {"Husband", "Wife", "Unmarried"}));
  const auto buckets = fc::bucketized_column(fc::numeric_column("age"), std::array{18.f, 30.f, 65.f});
  const auto x = fc::input_layer(b, rel, age, buckets);  // names: relationship_indicator, age, age_bucketized
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(x)>, sf::tensor<float, sf::shape<sf::dyn, 8>>>);
  REQUIRE(x.dim(0) == 4);
  // Sorted: age [0], age_bucketized [1, 5), relationship_indicator [5, 8).
  const float expected[4][8] = {{-2.3f, 1, 0, 0, 0, 1, 0, 0},
                                {-1.5f, 0, 1, 0, 0, 0, 1, 0},
                                {0.45f, 0, 0, 1, 0, 1, 0, 0},
                                {5.0f, 0, 0, 0, 1, 0, 0, 1}};
  for (std::size_t r = 0; r < 4; ++r)
    for (std::size_t c = 0; c < 8; ++c) CHECK(x(r, c) == Approx(expected[r][c]));

  // A multivalent feature: the indicator counts each id.
  fc::feature_batch m(1);
  m.add("tags", std::vector<std::string>{"p", "q", "p"});
  const auto tags = fc::indicator_column(fc::categorical_column_with_vocabulary_list("tags", {"p", "q"}));
  const auto t = fc::input_layer(m, tags);
  CHECK(t(0, 0) == 2.f);
  CHECK(t(0, 1) == 1.f);

  CHECK_THROWS_WITH(fc::input_layer(m, age), Catch::Contains("needs feature 'age', which the batch does not have"));
  fc::feature_batch wrong(1);
  wrong.add("age", std::vector<std::string>{"forty"});
  CHECK_THROWS_WITH(fc::input_layer(wrong, age), Catch::Contains("as numbers, but it holds strings"));
  fc::feature_batch more(4);
  CHECK_THROWS_AS(more.add("x", std::vector<float>{1, 2, 3}), sf::invalid_argument);  // not 4 rows' worth
  more.add("x", std::vector<float>{1, 2, 3, 4});
  CHECK_THROWS_AS(more.add("x", std::vector<float>{1, 2, 3, 4}), sf::invalid_argument);  // twice
}

TEST_CASE("embedding_column combines the table's rows and trains only the rows it touched", "[features][embedding]") {
  sf::graph g;
  fc::feature_batch b(3);
  b.add("tags", std::vector<std::string>{"p", "q", "", "q", "r", "p"});  // two values a row; "" is missing
  const auto tags = fc::embedding_column<2>(fc::categorical_column_with_vocabulary_list("tags", {"p", "q", "r", "s"}));
  CHECK(tags.name() == "tags_embedding");
  const auto table = tags.table(g, 7);
  CHECK(table.name() == "tags_embedding/embedding_weights");
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  sf::tensor<float, sf::shape<4, 2>> t;
  const float rows[] = {1, 2, 10, 20, 100, 200, 1000, 2000};  // p, q, r, s
  std::copy(std::begin(rows), std::end(rows), t.data());
  sess.assign("tags_embedding/embedding_weights", sf::tensor_view<float, sf::shape<4, 2>, sf::host>(t));

  const auto ids = tags.ids(b);
  CHECK(ids.values.size() == 5);
  const auto e = sess.run(tags.lookup(table, ids));
  // Means: row 0 (p, q) = [5.5, 11]; row 1 (q) = [10, 20]; row 2 (r, p) = [50.5, 101].
  CHECK(e(0, 0) == 5.5f);
  CHECK(e(0, 1) == 11.f);
  CHECK(e(1, 0) == 10.f);
  CHECK(e(2, 1) == 101.f);

  // One SGD step on the sum of the embeddings: each touched row moves by the rate times its
  // weight in the means (p: 1/2 + 1/2, q: 1/2 + 1, r: 1/2); s is untouched.
  auto step = sf::train::gradient_descent(1.0).minimize(sf::reduce_sum(tags.lookup(table, ids)));
  sess.run(step);
  const auto after = sess.value(table);
  CHECK(after(0, 0) == Approx(1 - 1.0));
  CHECK(after(1, 1) == Approx(20 - 1.5));
  CHECK(after(2, 0) == Approx(100 - 0.5));
  CHECK(after(3, 1) == 2000.f);
}

TEST_CASE("from_examples turns tf.train.Examples into a feature batch", "[features][example]") {
  namespace io = staticflow::io;
  std::vector<io::example> ex(2);
  ex[0].features["age"] = io::float_list{{34}};
  ex[0].features["education"] = io::bytes_list{{"Bachelors"}};
  ex[0].features["hours"] = io::int64_list{{40}};
  ex[1].features["age"] = io::float_list{{19}};
  ex[1].features["education"] = io::bytes_list{{"HS-grad"}};
  ex[1].features["hours"] = io::int64_list{{20}};
  // Through the wire format and back, as records read from a TFRecord file would be.
  for (auto& e : ex) e = io::example::decode(e.encode());
  const auto b = fc::from_examples(ex, {"age", "education", "hours"});
  CHECK(b.get<float>("age", "c") == std::vector<float>{34, 19});
  CHECK(b.get<std::string>("education", "c") == std::vector<std::string>{"Bachelors", "HS-grad"});
  CHECK(b.get<std::int64_t>("hours", "c") == std::vector<std::int64_t>{40, 20});
  const auto x = fc::input_layer(b, fc::numeric_column("age"),
                                 fc::indicator_column(fc::categorical_column_with_vocabulary_list("education", {"HS-grad", "Bachelors"})));
  CHECK(x(1, 0) == 19.f);
  CHECK(x(1, 1) == 1.f);

  ex[1].features["hours"] = io::int64_list{{20, 21}};
  CHECK_THROWS_WITH(fc::from_examples(ex, {"hours"}), Catch::Contains("example 1: feature 'hours' has 2 values"));
  ex[1].features.erase("age");
  CHECK_THROWS_WITH(fc::from_examples(ex, {"age"}), Catch::Contains("example 1: feature 'age' is missing"));
  CHECK_THROWS_WITH(fc::from_examples(ex, {"nope"}), Catch::Contains("example 0 has no feature 'nope'"));
}
