// SPDX-License-Identifier: MIT
/// \file
/// \brief interop_pil_image's staticflow side (tests/interop/image_pil.py is Pillow's):
///   image_tool decode IN.jpg OUT.raw CHANNELS ACCURATE   prints "H W C", writes the pixels
///   image_tool encode IN.raw H W C OUT.jpg QUALITY       writes the JPEG
///   image_tool decode-png IN.png OUT.raw BITS            prints "H W C", writes the samples
///   image_tool encode-png IN.raw H W C BITS OUT.png      writes the PNG
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <staticflow/image/jpeg.hpp>
#include <staticflow/image/png.hpp>

namespace sf = staticflow;
namespace img = staticflow::image;

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "decode" && argc == 6) {
      const img::jpeg_decode_options o{.integer_accurate_dct = std::string(argv[5]) == "1"};
      const int c = std::stoi(argv[4]);
      const auto write = [&](const auto& t) {
        std::ofstream(argv[3], std::ios::binary).write(reinterpret_cast<const char*>(t.data()), std::streamsize(t.size()));
        std::cout << t.dims()[0] << " " << t.dims()[1] << " " << t.size() / (t.dims()[0] * t.dims()[1]) << "\n";
      };
      if (c == 1) write(img::decode_jpeg_file<1>(argv[2], o));
      else if (c == 3) write(img::decode_jpeg_file<3>(argv[2], o));
      else write(img::decode_jpeg_file(argv[2], o));
      return 0;
    }
    if (mode == "decode-png" && argc == 5) {
      const auto write = [&](const auto& t) {
        std::ofstream(argv[3], std::ios::binary)
            .write(reinterpret_cast<const char*>(t.data()), std::streamsize(t.size() * sizeof(*t.data())));
        std::cout << t.dims()[0] << " " << t.dims()[1] << " " << t.dims()[2] << "\n";
      };
      if (std::string(argv[4]) == "16") write(img::decode_png_file<std::uint16_t>(argv[2]));
      else write(img::decode_png_file(argv[2]));
      return 0;
    }
    if (mode == "encode-png" && argc == 8) {
      std::ifstream in(argv[2], std::ios::binary);
      std::stringstream raw;
      raw << in.rdbuf();
      const std::string px = raw.str();
      const auto encode = [&](auto t) {
        if (px.size() != t.size() * sizeof(*t.data())) throw std::runtime_error("raw size does not match H x W x C");
        std::copy(px.begin(), px.end(), reinterpret_cast<char*>(t.data()));
        std::ofstream(argv[7], std::ios::binary) << img::encode_png(t);
      };
      const auto dims = sf::detail::make_dims<sf::shape<sf::dyn, sf::dyn, sf::dyn>>(std::stoul(argv[3]), std::stoul(argv[4]),
                                                                                    std::stoul(argv[5]));
      if (std::string(argv[6]) == "16") encode(sf::tensor<std::uint16_t, sf::shape<sf::dyn, sf::dyn, sf::dyn>>(dims));
      else encode(img::image_u8<>(dims));
      return 0;
    }
    if (mode == "encode" && argc == 8) {
      std::ifstream in(argv[2], std::ios::binary);
      std::stringstream raw;
      raw << in.rdbuf();
      const std::string px = raw.str();
      img::image_u8<> t(sf::detail::make_dims<sf::shape<sf::dyn, sf::dyn, sf::dyn>>(
          std::stoul(argv[3]), std::stoul(argv[4]), std::stoul(argv[5])));
      if (px.size() != t.size()) throw std::runtime_error("raw size does not match H x W x C");
      std::copy(px.begin(), px.end(), reinterpret_cast<char*>(t.data()));
      std::ofstream(argv[6], std::ios::binary) << img::encode_jpeg(t, {.quality = std::stoi(argv[7])});
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "image_tool: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: image_tool decode|encode|decode-png|encode-png ... (see the file comment)\n";
  return 2;
}
