// SPDX-License-Identifier: MIT
// The seed's cats vs dogs, on real photographs: labelled crops cut from two photos (a temple and
// a flower, scikit-learn's sample images from Debian; scripts/fetch-photos), written as JPEG
// files named "<class>.<n>.jpg" (Kaggle's layout), read back through an input pipeline (list,
// shuffle, parallel decode and resize, random flips and brightness, batch) and learned by a
// small CNN. Training crops come from the left 60 % of each photo, test crops from the right
// 40 %: the test asks about parts of the photos the network has not seen.
//
//   image_classifier [--photos DIR] [--work DIR] [--crops N] [--epochs N] [--seed S] [--expect-test A]
#include <staticflow/staticflow.hpp>
#include <staticflow/data/pipeline.hpp>
#include <staticflow/image/folder.hpp>
#include <staticflow/image/jpeg.hpp>
#include <staticflow/nn/conv.hpp>
#include <staticflow/nn/trainer.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace sf = staticflow;
namespace nn = staticflow::nn;
namespace img = staticflow::image;

using net = nn::sequential<nn::input<32, 32, 3>,                                 //
                           nn::conv2d<16, 3, 3>, nn::relu, nn::max_pool2d<2, 2>,  // [?, 15, 15, 16]
                           nn::conv2d<32, 3, 3>, nn::relu, nn::max_pool2d<2, 2>,  // [?, 6, 6, 32]
                           nn::flatten, nn::dense<64>, nn::relu, nn::dense<2>>;

namespace {

struct options {
  std::string photos = "data/photos", work = "";
  std::size_t crops = 300, epochs = 6;
  std::uint64_t seed = 1;
  double expect_test = 0;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::puts("usage: image_classifier [--photos DIR] [--work DIR] [--crops N] [--epochs N] [--seed S] [--expect-test A]");
      std::exit(0);
    }
    if (i + 1 >= argc) throw sf::invalid_argument("image_classifier: flag " + flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--photos") o.photos = v;
    else if (flag == "--work") o.work = v;
    else if (flag == "--crops") o.crops = std::stoul(v);
    else if (flag == "--epochs") o.epochs = std::stoul(v);
    else if (flag == "--seed") o.seed = std::stoull(v);
    else if (flag == "--expect-test") o.expect_test = std::stod(v);
    else throw sf::invalid_argument("image_classifier: unknown flag " + flag + " (try --help)");
  }
  if (o.work.empty()) o.work = (std::filesystem::temp_directory_path() / "staticflow_image_classifier").string();
  return o;
}

/// `count` crops of 48-96 pixels square from the columns [x_lo, x_hi) of a photo, each resized
/// to 48 x 48 by crop_and_resize and written as "<dir>/<name>.<n>.jpg".
void cut_crops(const img::image_u8<3>& photo, const std::string& name, double x_lo, double x_hi, std::size_t count,
               std::uint64_t seed, const std::filesystem::path& dir) {
  const std::size_t h = photo.dims()[0], w = photo.dims()[1];
  sf::tensor<float, sf::shape<1, sf::dyn, sf::dyn, 3>> batch(sf::detail::make_dims<sf::shape<1, sf::dyn, sf::dyn, 3>>(h, w));
  for (std::size_t i = 0; i < photo.size(); ++i) batch.data()[i] = photo.data()[i];
  sf::tensor<float, sf::shape<sf::dyn, 4>> boxes(sf::detail::make_dims<sf::shape<sf::dyn, 4>>(count));
  sf::tensor<std::int32_t, sf::shape<sf::dyn>> index(sf::detail::make_dims<sf::shape<sf::dyn>>(count));
  sf::uniform_generator<double> u{};
  u.seed = seed;
  for (std::size_t k = 0; k < count; ++k) {
    const double side = 48 + 48 * u(4 * k);                             // pixels
    const double x0 = x_lo * double(w) + (x_hi - x_lo) * (double(w) - side) * u(4 * k + 1);
    const double y0 = (double(h) - side) * u(4 * k + 2);
    float* b = boxes.data() + 4 * k;
    b[0] = float(y0 / double(h - 1)), b[1] = float(x0 / double(w - 1));
    b[2] = float((y0 + side) / double(h - 1)), b[3] = float((x0 + side) / double(w - 1));
    index.data()[k] = 0;
  }
  const auto crops = sf::eval(img::crop_and_resize<48, 48>(batch, boxes, index));
  img::image_u8<3> one(sf::detail::make_dims<sf::shape<sf::dyn, sf::dyn, 3>>(48, 48));
  for (std::size_t k = 0; k < count; ++k) {
    for (std::size_t i = 0; i < one.size(); ++i) one.data()[i] = std::uint8_t(std::lround(crops.data()[k * one.size() + i]));
    std::ofstream(dir / (name + "." + std::to_string(k) + ".jpg"), std::ios::binary) << img::encode_jpeg(one, {.quality = 90});
  }
}

/// The dataset of a folder's files: decoded, resized to 32 x 32, one-hot labels.
auto one_hot_example(const img::labelled_file& f) {
  auto [x, label] = img::load_resized<32, 32>(f);
  sf::tensor<float, sf::shape<2>> y;
  y.data()[0] = label == 0, y.data()[1] = label == 1;
  return std::tuple{std::move(x), std::move(y)};
}

/// Augmentation: a random horizontal flip and brightness, one run counter each. (A class, not a
/// lambda: a pipeline's iterators are assigned, and lambdas with captures cannot be.)
struct augment {
  sf::tensor<std::int64_t, sf::shape<>>* flips;
  sf::tensor<std::int64_t, sf::shape<>>* shifts;
  std::uint64_t seed;
  std::tuple<sf::tensor<float, sf::shape<32, 32, 3>>, sf::tensor<float, sf::shape<2>>> operator()(
      std::tuple<sf::tensor<float, sf::shape<32, 32, 3>>, sf::tensor<float, sf::shape<2>>> e) const {
    auto& x = std::get<0>(e);
    x = sf::clip_by_value(img::random_brightness(*shifts, img::random_flip_left_right(*flips, x, seed), 0.1, seed + 1), 0.0f, 1.0f);
    return e;
  }
};

int run(const options& o) {
  const std::filesystem::path work = o.work;
  // Only the two folders it writes are emptied: --work may name a folder that holds other files.
  for (const char* part : {"train", "test"}) std::filesystem::remove_all(work / part), std::filesystem::create_directories(work / part);
  std::uint64_t seed = o.seed;
  for (const char* name : {"china", "flower"}) {
    const auto photo = img::decode_jpeg_file<3>((std::filesystem::path(o.photos) / (std::string(name) + ".jpg")).string());
    cut_crops(photo, name, 0.0, 0.6, o.crops, ++seed, work / "train");
    cut_crops(photo, name, 0.6, 1.0, o.crops / 3, ++seed, work / "test");
  }
  const auto train = img::list_labelled_files(work / "train"), test = img::list_labelled_files(work / "test");
  std::printf("%zu training and %zu test crops of the classes %s and %s\n", train.files.size(), test.files.size(),
              train.classes[0].c_str(), train.classes[1].c_str());

  sf::tensor<std::int64_t, sf::shape<>> flips, shifts;
  flips.data()[0] = shifts.data()[0] = 0;
  const augment augmenter{&flips, &shifts, o.seed};
  const auto batches = sf::data::from_tensor_slices(train.files)
                           .shuffle(train.files.size(), o.seed)
                           .map(one_hot_example, sf::data::autotune)
                           .map(augmenter)
                           .batch(32);
  // The test crops as two tensors, through the same decoding.
  const std::size_t n_test = test.files.size();
  sf::tensor<float, sf::shape<sf::dyn, 32, 32, 3>> test_x(sf::detail::make_dims<sf::shape<sf::dyn, 32, 32, 3>>(n_test));
  sf::tensor<float, sf::shape<sf::dyn, 2>> test_y(sf::detail::make_dims<sf::shape<sf::dyn, 2>>(n_test));
  for (std::size_t k = 0; k < n_test; ++k) {
    const auto [x, y] = one_hot_example(test.files[k]);
    std::copy(x.data(), x.data() + x.size(), test_x.data() + k * x.size());
    std::copy(y.data(), y.data() + 2, test_y.data() + 2 * k);
  }

  nn::classifier<net, sf::train::adam> classifier(sf::train::adam(0.002), o.seed);
  nn::fit_options fit;
  fit.epochs = o.epochs;
  double accuracy = 0;
  fit.on_epoch = [&](std::size_t epoch, double secs) {
    accuracy = classifier.evaluate(test_x, test_y);
    std::printf("epoch %zu: test accuracy %.4f after %.1f s\n", epoch, accuracy, secs);
    return true;
  };
  classifier.fit(batches, fit);
  std::printf("test accuracy on unseen parts of the photos: %.4f\n", accuracy);
  if (accuracy < o.expect_test) {
    std::fprintf(stderr, "image_classifier: test accuracy %.4f is below the expected %.4f\n", accuracy, o.expect_test);
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
