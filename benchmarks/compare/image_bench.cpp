// SPDX-License-Identifier: MIT
/// \file
/// \brief Image decode and resize speed, staticflow's side of benchmarks/compare/run_image
/// (image_peers.py runs OpenCV and Pillow on the same file): JPEG decode with TF's defaults (the
/// fast integer IDCT), and a 1024 x 768 RGB image resized to 224 x 224, bilinear (half-pixel
/// centres, as OpenCV's INTER_LINEAR) and area. Prints `OP SECONDS` lines, each the median of REPS.
///
///   compare_image FILE.jpg REPS
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <staticflow/image/jpeg.hpp>
#include <staticflow/staticflow.hpp>

namespace sf = staticflow;
namespace img = staticflow::image;

namespace {
template <class F>
double median_seconds(int reps, F&& f) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s FILE.jpg REPS\n", argv[0]);
    return 2;
  }
  const int reps = std::stoi(argv[2]);
  const std::string bytes = sf::io::read_file(argv[1], "compare_image").read_all("compare_image");
  const auto span = std::as_bytes(std::span(bytes.data(), bytes.size()));
  std::printf("decode_jpeg %.6f\n", median_seconds(reps, [&] { (void)img::decode_jpeg<3>(span); }));
  const auto decoded = img::decode_jpeg<3>(span);
  if (decoded.dims()[0] != 768 || decoded.dims()[1] != 1024) {
    std::fprintf(stderr, "compare_image: expected a 1024 x 768 image\n");
    return 1;
  }
  // The resizes read a static [768, 1024, 3] view of the decoded pixels; uint8 in, float out (TF's).
  const sf::tensor_view<std::uint8_t, sf::shape<768, 1024, 3>, sf::host> x(const_cast<std::uint8_t*>(decoded.data()),
                                                                            sf::detail::make_dims<sf::shape<768, 1024, 3>>());
  sf::tensor<float, sf::shape<224, 224, 3>> out;
  std::printf("resize_bilinear %.6f\n", median_seconds(reps, [&] { out = img::resize_bilinear<224, 224>(x, {.half_pixel_centers = true}); }));
  std::printf("resize_area %.6f\n", median_seconds(reps, [&] { out = img::resize_area<224, 224>(x); }));
  std::printf("checksum %.3f\n", double(out.data()[1234]));
}
