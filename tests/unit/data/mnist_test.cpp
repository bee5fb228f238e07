// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/data/mnist.hpp on small hand-made MNIST-format directories.

#include "staticflow/data/mnist.hpp"

#include <catch2/catch.hpp>

#include "idx_files.hpp"

namespace sf = staticflow;
using Catch::Matchers::Contains;
using sf_test::bytes;
using sf_test::idx_bytes;
using sf_test::write_file;

namespace {

/// 2 x 2 images; image i is filled with the value i, label i % 10.
bytes images_file(std::uint32_t n) {
  bytes px;
  for (std::uint32_t i = 0; i < n; ++i) px.insert(px.end(), 4, static_cast<std::uint8_t>(i));
  return idx_bytes(0x08, {n, 2, 2}, px);
}

bytes labels_file(std::uint32_t n) {
  bytes l;
  for (std::uint32_t i = 0; i < n; ++i) l.push_back(static_cast<std::uint8_t>(i % 10));
  return idx_bytes(0x08, {n}, l);
}

/// A directory with 12 training and 3 test examples.
void write_small_mnist(const sf_test::temp_dir& dir) {
  write_file(dir / "train-images-idx3-ubyte", images_file(12));
  write_file(dir / "train-labels-idx1-ubyte", labels_file(12));
  write_file(dir / "t10k-images-idx3-ubyte", images_file(3));
  write_file(dir / "t10k-labels-idx1-ubyte", labels_file(3));
}

}  // namespace

TEST_CASE("read_data_sets splits validation off the front of the training file", "[data][mnist]") {
  sf_test::temp_dir dir;
  write_small_mnist(dir);
  auto d = sf::data::read_data_sets(dir.path, {.one_hot = true, .validation_size = 5});

  CHECK(d.train.num_examples() == 7);
  CHECK(d.validation.num_examples() == 5);
  CHECK(d.test.num_examples() == 3);
  CHECK(d.train.image_size() == 4);
  CHECK(d.train.num_classes() == 10);
  CHECK(d.train.label_size() == 10);
  // Validation = training examples 0..4, train = 5..11, each image filled with its index.
  CHECK(d.validation.labels() == bytes{0, 1, 2, 3, 4});
  CHECK(d.validation.images()[4 * 4] == 4);
  CHECK(d.train.labels() == bytes{5, 6, 7, 8, 9, 0, 1});
  CHECK(d.train.images().front() == 5);
  CHECK(d.train.images().back() == 11);
  CHECK(d.test.labels() == bytes{0, 1, 2});
}

TEST_CASE("read_data_sets accepts validation_size 0 and n_train, not more", "[data][mnist]") {
  sf_test::temp_dir dir;
  write_small_mnist(dir);
  auto none = sf::data::read_data_sets(dir.path, {.validation_size = 0});
  CHECK(none.train.num_examples() == 12);
  CHECK(none.validation.num_examples() == 0);
  auto all = sf::data::read_data_sets(dir.path, {.validation_size = 12});
  CHECK(all.train.num_examples() == 0);
  CHECK_THROWS_MATCHES(sf::data::read_data_sets(dir.path, {.validation_size = 13}), sf::invalid_argument,
                       Catch::Matchers::Message("staticflow::data::read_data_sets: validation_size 13 must be in "
                                                "[0, 12] (the number of training examples)"));
}

#if defined(SF_HAVE_ZLIB) && SF_HAVE_ZLIB
TEST_CASE("read_data_sets finds .gz files", "[data][mnist][gzip]") {
  sf_test::temp_dir dir;
  write_small_mnist(dir);
  std::filesystem::remove(dir / "train-images-idx3-ubyte");
  sf_test::write_gzip(dir / "train-images-idx3-ubyte.gz", images_file(12));
  auto d = sf::data::read_data_sets(dir.path, {.validation_size = 2});
  CHECK(d.train.num_examples() == 10);
  CHECK(d.train.images().front() == 2);
}
#endif

TEST_CASE("read_data_sets reports a missing file and how to get it", "[data][mnist]") {
  sf_test::temp_dir dir;
  write_small_mnist(dir);
  std::filesystem::remove(dir / "t10k-labels-idx1-ubyte");
  CHECK_THROWS_MATCHES(
      sf::data::read_data_sets(dir.path), sf::not_found,
      Catch::Matchers::Message("staticflow::data::read_data_sets: neither '" +
                               (dir / "t10k-labels-idx1-ubyte").string() + "' nor '" +
                               (dir / "t10k-labels-idx1-ubyte.gz").string() +
                               "' exists; run scripts/fetch-mnist or pass --data-dir"));
}

TEST_CASE("read_data_sets rejects inconsistent files", "[data][mnist]") {
  sf_test::temp_dir dir;
  write_small_mnist(dir);
  SECTION("image and label counts differ") {
    write_file(dir / "train-labels-idx1-ubyte", labels_file(11));
    CHECK_THROWS_MATCHES(sf::data::read_data_sets(dir.path), sf::data_loss,
                         Catch::Matchers::Message("staticflow::data::read_data_sets: '" +
                                                  (dir / "train-images-idx3-ubyte").string() + "' holds 12 images but '" +
                                                  (dir / "train-labels-idx1-ubyte").string() + "' holds 11 labels"));
  }
  SECTION("a label is not a digit") {
    write_file(dir / "t10k-labels-idx1-ubyte", idx_bytes(0x08, {3}, {4, 10, 2}));
    CHECK_THROWS_MATCHES(sf::data::read_data_sets(dir.path), sf::data_loss,
                         Catch::Matchers::Message("staticflow::data::read_data_sets: '" +
                                                  (dir / "t10k-labels-idx1-ubyte").string() +
                                                  "': label 10 at index 1 is not in [0, 10)"));
  }
  SECTION("labels stored as int32") {
    write_file(dir / "train-labels-idx1-ubyte", idx_bytes(0x0C, {12}, bytes(48, 0)));
    CHECK_THROWS_MATCHES(sf::data::read_data_sets(dir.path), sf::data_loss,
                         Catch::Matchers::Message("staticflow::data::read_idx: '" +
                                                  (dir / "train-labels-idx1-ubyte").string() +
                                                  "': not a labels file (dtype int32, expected uint8): its magic "
                                                  "0x00 0x00 0x0c 0x01 declares int32 with 1 dimension"));
  }
  SECTION("images with 2 dimensions") {
    write_file(dir / "train-images-idx3-ubyte", idx_bytes(0x08, {12, 4}, bytes(48, 0)));
    CHECK_THROWS_MATCHES(sf::data::read_data_sets(dir.path), sf::data_loss,
                         Catch::Matchers::Message("staticflow::data::read_idx: '" +
                                                  (dir / "train-images-idx3-ubyte").string() +
                                                  "': not an images file (rank 2, expected 3): its magic "
                                                  "0x00 0x00 0x08 0x02 declares uint8 with 2 dimensions"));
  }
  SECTION("the images file where the labels file belongs") {
    write_file(dir / "train-labels-idx1-ubyte", images_file(12));
    CHECK_THROWS_WITH(sf::data::read_data_sets(dir.path),
                      Contains("train-labels-idx1-ubyte': not a labels file (rank 3, expected 1)"));
  }
  SECTION("a labels file whose magic says rank 3") {
    // The real size of MNIST's training labels; only the rank byte of the magic is wrong.
    bytes f = idx_bytes(0x08, {60000}, bytes(60000, 1));
    f[3] = 3;
    write_file(dir / "train-labels-idx1-ubyte", f);
    const auto message = [&] {
      try {
        (void)sf::data::read_data_sets(dir.path);
      } catch (const sf::data_loss& e) {
        return std::string(e.what());
      }
      return std::string("no data_loss thrown");
    }();
    CHECK_THAT(message, Contains("not a labels file (rank 3, expected 1)") && !Contains("absurd") &&
                            !Contains("truncated"));
  }
  SECTION("a truncated image file") {
    bytes f = images_file(12);
    f.pop_back();
    write_file(dir / "train-images-idx3-ubyte", f);
    CHECK_THROWS_WITH(sf::data::read_data_sets(dir.path), Contains("header says 64 bytes, file has 63"));
  }
}

TEST_CASE("read_data_sets says a directory is a directory, not that a file is missing", "[data][mnist]") {
  sf_test::temp_dir dir;
  write_small_mnist(dir);
  SECTION("a directory named like an IDX file") {
    std::filesystem::remove(dir / "t10k-images-idx3-ubyte");
    std::filesystem::create_directory(dir / "t10k-images-idx3-ubyte");
    CHECK_THROWS_MATCHES(sf::data::read_data_sets(dir.path), sf::not_found,
                         Catch::Matchers::Message("staticflow::data::read_data_sets: '" +
                                                  (dir / "t10k-images-idx3-ubyte").string() +
                                                  "' is a directory, not the IDX file t10k-images-idx3-ubyte; "
                                                  "point --data-dir at the folder that holds the four files"));
  }
  SECTION("a data directory that does not exist") {
    CHECK_THROWS_WITH(sf::data::read_data_sets(dir / "nowhere"),
                      Contains("the data directory '" + (dir / "nowhere").string() + "' does not exist"));
  }
  SECTION("a file passed as the data directory") {
    CHECK_THROWS_WITH(sf::data::read_data_sets(dir / "t10k-labels-idx1-ubyte"),
                      Contains("is a file, not a directory"));
  }
}
