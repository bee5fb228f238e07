// SPDX-License-Identifier: MIT
/// \file
/// \brief Images in folders, labelled by folder or by name (the seed's cats vs dogs):
/// `list_image_folder` (one sub-folder per class), `list_labelled_files` (the class from each
/// file's name, "cat.123.jpg" -> "cat"), and `load_resized<H, W>`, which a dataset's `map` runs to
/// decode a file to a [H, W, 3] float image in [0, 1] and its label.
///
/// ```cpp
/// auto folder = sf::image::list_labelled_files("train");            // cat.1.jpg, dog.7.jpg, ...
/// auto [train, validation, test] = sf::data::split({80, 10, 10}, 42, folder.files);
/// auto batches = sf::data::from_tensor_slices(std::get<0>(train))
///                    .shuffle(1000, 7)
///                    .map(sf::image::load_resized<64, 64>, sf::data::autotune)
///                    .batch(32);                                    // ([32, 64, 64, 3], [32])
/// ```
#pragma once
#ifndef STATICFLOW_IMAGE_FOLDER_HPP
#define STATICFLOW_IMAGE_FOLDER_HPP

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "staticflow/image/decode_image.hpp"
#include "staticflow/staticflow.hpp"  // the resize and its host evaluation

namespace staticflow::image {

/// A file and its class number.
struct labelled_file {
  std::string path;
  std::int64_t label = 0;
};

/// The files found and the class names, label i being classes[i] (sorted names).
struct image_folder {
  std::vector<std::string> classes;
  std::vector<labelled_file> files;
};

namespace detail {
inline bool is_image_name(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}
/// Numbers the class names in sorted order and labels the files with them, files sorted by path.
inline image_folder label(std::vector<std::pair<std::string, std::string>> path_and_class) {
  std::map<std::string, std::int64_t> number;
  for (const auto& pc : path_and_class) number.emplace(pc.second, 0);
  image_folder out;
  for (auto& [name, id] : number) id = static_cast<std::int64_t>(out.classes.size()), out.classes.push_back(name);
  std::sort(path_and_class.begin(), path_and_class.end());
  for (const auto& [path, cls] : path_and_class) out.files.push_back({path, number.at(cls)});
  return out;
}
inline void check_dir(const std::filesystem::path& dir, const char* who) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    staticflow::detail::fail<not_found>({who, ": '", dir.string(), "' is not a directory"});
}
}  // namespace detail

/// One sub-folder of `root` per class (its name), holding that class's .jpg/.jpeg/.png files.
/// **Errors:** not_found when `root` is not a directory; invalid_argument when no image is found.
inline image_folder list_image_folder(const std::filesystem::path& root) {
  const char* who = "sf::image::list_image_folder";
  detail::check_dir(root, who);
  std::vector<std::pair<std::string, std::string>> found;
  for (const auto& sub : std::filesystem::directory_iterator(root)) {
    if (!sub.is_directory()) continue;
    for (const auto& f : std::filesystem::directory_iterator(sub.path()))
      if (f.is_regular_file() && detail::is_image_name(f.path())) found.emplace_back(f.path().string(), sub.path().filename().string());
  }
  if (found.empty()) staticflow::detail::fail<invalid_argument>({who, ": no .jpg, .jpeg or .png files in the sub-folders of '", root.string(), "'"});
  return detail::label(std::move(found));
}

/// The .jpg/.jpeg/.png files of `dir`, each labelled by `class_of(file name)`; by default the
/// name up to its first '.' ("cat.123.jpg" -> "cat", as in Kaggle's cats vs dogs).
/// **Errors:** not_found when `dir` is not a directory; invalid_argument when no image is found
/// or a class name comes out empty.
inline image_folder list_labelled_files(const std::filesystem::path& dir,
                                        const std::function<std::string(std::string_view)>& class_of = {}) {
  const char* who = "sf::image::list_labelled_files";
  detail::check_dir(dir, who);
  std::vector<std::pair<std::string, std::string>> found;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    if (!f.is_regular_file() || !detail::is_image_name(f.path())) continue;
    const std::string name = f.path().filename().string();
    std::string cls = class_of ? class_of(name) : name.substr(0, name.find('.'));
    if (cls.empty()) staticflow::detail::fail<invalid_argument>({who, ": no class name for '", name, "'"});
    found.emplace_back(f.path().string(), std::move(cls));
  }
  if (found.empty()) staticflow::detail::fail<invalid_argument>({who, ": no .jpg, .jpeg or .png files in '", dir.string(), "'"});
  return detail::label(std::move(found));
}

/// A file decoded as RGB, converted to floats in [0, 1] (convert_image_dtype) and resized to
/// H x W (bilinear, half-pixel centres: TF 2's tf.image.resize), with its label: the `map`
/// function of an image dataset. **Errors:** the decoders', naming the file.
template <std::size_t H, std::size_t W>
std::tuple<tensor<float, shape<H, W, 3>, host>, std::int64_t> load_resized(const labelled_file& f) {
  const image_u8<3> pixels = decode_image_file<3>(f.path);
  const tensor_view<std::uint8_t, shape<dyn, dyn, 3>, host> v(const_cast<std::uint8_t*>(pixels.data()), pixels.dims());
  tensor<float, shape<H, W, 3>, host> out;
  out = resize_bilinear<H, W>(convert_image_dtype<float>(v), {.half_pixel_centers = true});
  return {std::move(out), f.label};
}

}  // namespace staticflow::image
#endif  // STATICFLOW_IMAGE_FOLDER_HPP
