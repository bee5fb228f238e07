// SPDX-License-Identifier: MIT
/// \file
/// \brief Links staticflow::image from an installed staticflow: a gradient through encode_png and
/// encode_jpeg, back through decode_image (libpng and libjpeg both called).
#include <staticflow/image/decode_image.hpp>
#include <staticflow/image/jpeg.hpp>
#include <staticflow/image/png.hpp>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

namespace sf = staticflow;
namespace img = staticflow::image;

static std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

int main() {
  img::image_u8<3> x(sf::detail::make_dims<sf::shape<sf::dyn, sf::dyn, 3>>(16, 24));
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<std::uint8_t>((i * 7) % 256);
  const auto png = img::decode_image<3>(bytes_of(img::encode_png(x)));
  const auto jpeg = img::decode_image<3>(bytes_of(img::encode_jpeg(x, {.quality = 100})));
  bool png_exact = png.size() == x.size(), jpeg_shape = jpeg.size() == x.size();
  for (std::size_t i = 0; png_exact && i < x.size(); ++i) png_exact = png.data()[i] == x.data()[i];
  std::printf("image component: png round trip %s, jpeg %s\n", png_exact ? "exact" : "WRONG",
              jpeg_shape ? "decoded" : "WRONG");
  return png_exact && jpeg_shape ? EXIT_SUCCESS : EXIT_FAILURE;
}
