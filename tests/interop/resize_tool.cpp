// SPDX-License-Identifier: MIT
/// \file
/// \brief interop_opencv_resize's staticflow side: a seeded random batch of float images resized
/// by sf::image's bilinear, nearest, bicubic and area resizes, every array written as raw
/// little-endian float32 for tests/interop/resize_opencv.py to compare with OpenCV's cv2.resize
/// and Pillow's Image.resize.
///
///   resize_tool DIR   -> DIR/input.f32 [2, 37, 53, 3] and DIR/<case>.f32 for each case below
#include <cstdio>
#include <filesystem>
#include <string>

#include <staticflow/staticflow.hpp>

namespace sf = staticflow;
namespace img = staticflow::image;

namespace {
template <class V>
void write(const std::filesystem::path& p, const V& t) {
  std::FILE* f = std::fopen(p.c_str(), "wb");
  if (!f || std::fwrite(t.data(), sizeof(float), t.size(), f) != t.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "resize_tool: cannot write %s\n", p.c_str());
    std::exit(1);
  }
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  const sf::tensor<float, sf::shape<2, 37, 53, 3>> x = sf::eval(sf::random_uniform<float, sf::shape<2, 37, 53, 3>>(0.f, 1.f, 2026));
  write(dir / "input.f32", x);
  const img::resize_options half{.half_pixel_centers = true};
  write(dir / "bilinear_half_up_80x101.f32", sf::eval(img::resize_bilinear<80, 101>(x, half)));
  write(dir / "bilinear_half_down_19x26.f32", sf::eval(img::resize_bilinear<19, 26>(x, half)));
  write(dir / "nearest_legacy_up_80x101.f32", sf::eval(img::resize_nearest_neighbor<80, 101>(x)));
  write(dir / "nearest_legacy_down_19x26.f32", sf::eval(img::resize_nearest_neighbor<19, 26>(x)));
  write(dir / "nearest_half_up_80x101.f32", sf::eval(img::resize_nearest_neighbor<80, 101>(x, half)));
  write(dir / "nearest_half_down_19x26.f32", sf::eval(img::resize_nearest_neighbor<19, 26>(x, half)));
  write(dir / "bicubic_half_up_74x106.f32", sf::eval(img::resize_bicubic<74, 106>(x, half)));
  write(dir / "area_down_19x26.f32", sf::eval(img::resize_area<19, 26>(x)));
  write(dir / "area_down_12x17.f32", sf::eval(img::resize_area<12, 17>(x)));
  return 0;
}
