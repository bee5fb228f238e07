// SPDX-License-Identifier: MIT
/// \file
/// \brief image::list_image_folder / list_labelled_files / load_resized: classes numbered in
/// sorted order, files found and labelled by folder or by name, and a whole input pipeline
/// (split, shuffle, parallel map, batch) over PNG files whose pixels are known.
#include <catch2/catch.hpp>
#include "temp_dir.hpp"

#include <fstream>
#include <set>
#include <string>

#include "staticflow/data/pipeline.hpp"
#include "staticflow/data/split.hpp"
#include "staticflow/image/folder.hpp"

namespace sf = staticflow;
namespace img = staticflow::image;
using Catch::Matchers::Contains;

namespace {
/// A 4 x 6 RGB PNG whose every sample is `value`.
void write_png(const std::filesystem::path& p, std::uint8_t value) {
  sf::tensor<std::uint8_t, sf::shape<4, 6, 3>> t;
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = value;
  std::ofstream(p, std::ios::binary) << img::encode_png(t);
}
}  // namespace

TEST_CASE("list_image_folder and list_labelled_files label as the folders and names say", "[image][folder]") {
  sf_test::temp_dir dir;
  std::filesystem::create_directories(dir / "by_folder/dog");
  std::filesystem::create_directories(dir / "by_folder/cat");
  write_png(dir / "by_folder/dog/a.png", 10);
  write_png(dir / "by_folder/dog/b.PNG", 11);
  write_png(dir / "by_folder/cat/c.png", 12);
  std::ofstream(dir / "by_folder/cat/notes.txt") << "not an image";
  const auto f = img::list_image_folder(dir / "by_folder");
  REQUIRE(f.classes == std::vector<std::string>{"cat", "dog"});
  REQUIRE(f.files.size() == 3);
  CHECK(f.files[0].label == 0);  // cat/c.png (paths sorted)
  CHECK(f.files[1].label == 1);
  CHECK(f.files[2].label == 1);

  std::filesystem::create_directories(dir / "by_name");
  write_png(dir / "by_name/dog.1.png", 20);
  write_png(dir / "by_name/cat.7.png", 21);
  write_png(dir / "by_name/cat.8.png", 22);
  const auto n = img::list_labelled_files(dir / "by_name");
  REQUIRE(n.classes == std::vector<std::string>{"cat", "dog"});
  CHECK(n.files[2].label == 1);
  const auto custom = img::list_labelled_files(dir / "by_name", [](std::string_view s) { return std::string(s.substr(4, 1)); });
  CHECK(custom.classes == std::vector<std::string>{"1", "7", "8"});

  CHECK_THROWS_AS(img::list_image_folder(dir / "nothing"), sf::not_found);
  std::filesystem::create_directories(dir / "empty/x");
  CHECK_THROWS_WITH(img::list_image_folder(dir / "empty"), Contains("no .jpg, .jpeg or .png files"));
}

TEST_CASE("an image pipeline: split, shuffle, parallel decode and resize, batch", "[image][folder][pipeline]") {
  sf_test::temp_dir dir;
  for (const char* cls : {"a", "b"}) std::filesystem::create_directories(dir / cls);
  for (int i = 0; i < 10; ++i) write_png(dir / (i % 2 ? "b" : "a") / (std::to_string(i) + ".png"), std::uint8_t(10 * i));
  const auto folder = img::list_image_folder(dir.path);
  const auto parts = sf::data::split({80, 10, 10}, 42, folder.files);
  const auto& train = std::get<0>(parts.train);
  REQUIRE(train.size() == 8);
  auto batches = sf::data::from_tensor_slices(train).shuffle(8, 7).map(img::load_resized<4, 6>, 3).batch(4);
  std::set<int> values;
  std::size_t seen = 0;
  for (const auto& [images, labels] : batches) {
    REQUIRE(images.dims()[0] == 4);
    for (std::size_t k = 0; k < 4; ++k, ++seen) {
      // The same size: the half-pixel resize is the identity; convert_image_dtype divides by 255.
      const float v = images.data()[k * 72];
      const int value = int(std::lround(v * 255));
      CHECK(images.data()[k * 72 + 71] == v);
      CHECK(labels.data()[k] == (value / 10) % 2);  // odd numbers went to b (label 1)
      values.insert(value);
    }
  }
  CHECK(seen == 8);
  CHECK(values.size() == 8);
  const img::labelled_file missing{(dir / "gone.png").string(), 0};
  CHECK_THROWS_WITH((img::load_resized<4, 6>(missing)), Contains("gone.png"));
}
