// SPDX-License-Identifier: MIT
/// \file
/// \brief `image::decode_jpeg` / `encode_jpeg`: TF's tf.image.decode_jpeg and encode_jpeg through
/// libjpeg-turbo (Debian libjpeg62-turbo-dev; link `staticflow::image`).
///
/// TF's defaults: the fast integer IDCT, fancy upsampling, no recovery of truncated files.
/// Channels 0 means the file's own (grayscale 1, colour 3; CMYK and YCCK files come out as RGB,
/// converted as TF does for Adobe's inverted CMYK). Every libjpeg error comes back as an
/// exception through `longjmp` out of libjpeg's error handler (its default handler would call
/// `exit()`): the jump only crosses the C frames of `detail::jpeg_decode`, whose locals are all
/// trivially destructible; the tensor being filled lives in the caller's frame.
#pragma once
#ifndef STATICFLOW_IMAGE_JPEG_HPP
#define STATICFLOW_IMAGE_JPEG_HPP

#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <jerror.h>
#include <jpeglib.h>

#include "staticflow/core/error.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/io/file.hpp"

namespace staticflow::image {

/// An 8-bit image of run-time height, width and channels (C = dyn: the file's own).
template <std::size_t C = dyn>
using image_u8 = tensor<std::uint8_t, shape<dyn, dyn, C>, host>;

/// tf.image.decode_jpeg's arguments.
struct jpeg_decode_options {
  int ratio = 1;                      ///< downscale while decoding: 1, 2, 4 or 8
  bool fancy_upscaling = true;        ///< smooth chroma upsampling (TF's default)
  bool try_recover_truncated = false;  ///< a truncated file gives its decoded part, the rest grey
  bool integer_accurate_dct = false;  ///< TF's dct_method "INTEGER_ACCURATE"; the default is INTEGER_FAST
  /// Refuse images above this many decoded bytes before allocating them (a header may claim
  /// 65535 x 65535 pixels).
  std::size_t max_bytes = std::size_t{1} << 30;
};

/// tf.image.encode_jpeg's arguments.
struct jpeg_encode_options {
  int quality = 95;                ///< 0-100
  bool progressive = false;
  bool optimize_size = false;      ///< optimal Huffman tables (slower)
  bool chroma_downsampling = true;  ///< 4:2:0 sampling of colour images
};

namespace detail {

struct jpeg_error {
  jpeg_error_mgr mgr;  // first member: libjpeg hands back its address
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool truncated;
};

extern "C" inline void sf_jpeg_error_exit(j_common_ptr c) {
  auto* e = reinterpret_cast<jpeg_error*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}
/// Warnings (level -1) are tolerated as TF does, but "premature end" marks a truncated file.
extern "C" inline void sf_jpeg_emit_message(j_common_ptr c, int level) {
  if (level == -1 && c->err->msg_code == JWRN_JPEG_EOF) reinterpret_cast<jpeg_error*>(c->err)->truncated = true;
}

/// Where decoded pixels go: called once, after the header, with the output's size.
struct jpeg_sink {
  void* context;
  std::uint8_t* (*allocate)(void* context, std::size_t height, std::size_t width, std::size_t channels);
};

enum class jpeg_status { ok, error, too_large, bad_channels, bad_ratio };

/// Adobe's inverted CMYK to RGB, as TF: r = c * k / 255 (libjpeg hands out the stored values).
inline void jpeg_cmyk_to_rgb(const std::uint8_t* cmyk, std::uint8_t* rgb, std::size_t width) {
  for (std::size_t x = 0; x < width; ++x, cmyk += 4, rgb += 3) {
    const unsigned k = cmyk[3];
    for (int i = 0; i < 3; ++i) rgb[i] = static_cast<std::uint8_t>(cmyk[i] * k / 255);
  }
}

/// The libjpeg part, in which longjmp may land. `error` holds libjpeg's message on failure.
inline jpeg_status jpeg_decode(const std::uint8_t* data, std::size_t size, int channels, const jpeg_decode_options& o,
                               jpeg_sink sink, jpeg_error& error, std::size_t& claimed) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&error.mgr);
  error.mgr.error_exit = sf_jpeg_error_exit;
  error.mgr.emit_message = sf_jpeg_emit_message;
  error.truncated = false;
  if (setjmp(error.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return jpeg_status::error;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  const int components = channels == 0 ? (cinfo.num_components >= 3 ? 3 : 1) : channels;
  if (components != 1 && components != 3) {
    jpeg_destroy_decompress(&cinfo);
    return jpeg_status::bad_channels;
  }
  if (o.ratio != 1 && o.ratio != 2 && o.ratio != 4 && o.ratio != 8) {
    jpeg_destroy_decompress(&cinfo);
    return jpeg_status::bad_ratio;
  }
  const bool cmyk = components == 3 && (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK);
  cinfo.out_color_space = components == 1 ? JCS_GRAYSCALE : cmyk ? JCS_CMYK : JCS_RGB;
  cinfo.scale_num = 1;
  cinfo.scale_denom = static_cast<unsigned>(o.ratio);
  cinfo.dct_method = o.integer_accurate_dct ? JDCT_ISLOW : JDCT_IFAST;
  cinfo.do_fancy_upsampling = o.fancy_upscaling ? TRUE : FALSE;
  jpeg_calc_output_dimensions(&cinfo);
  const std::size_t h = cinfo.output_height, w = cinfo.output_width;
  claimed = h * w * static_cast<std::size_t>(components);
  if (h == 0 || w == 0 || claimed > o.max_bytes) {
    jpeg_destroy_decompress(&cinfo);
    return jpeg_status::too_large;
  }
  jpeg_start_decompress(&cinfo);
  std::uint8_t* out = sink.allocate(sink.context, h, w, static_cast<std::size_t>(components));
  JSAMPARRAY cmyk_row = cmyk ? (*cinfo.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&cinfo), JPOOL_IMAGE,
                                                            static_cast<JDIMENSION>(w * 4), 1)
                             : nullptr;
  while (cinfo.output_scanline < cinfo.output_height) {
    std::uint8_t* row = out + std::size_t{cinfo.output_scanline} * w * static_cast<std::size_t>(components);
    JSAMPROW target = cmyk ? cmyk_row[0] : row;
    if (jpeg_read_scanlines(&cinfo, &target, 1) != 1) break;  // (a memory source never suspends)
    if (cmyk) jpeg_cmyk_to_rgb(cmyk_row[0], row, w);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return jpeg_status::ok;
}

/// The libjpeg part of encoding; `*out` (malloc'ed by libjpeg) is freed by the caller.
inline bool jpeg_encode(const std::uint8_t* pixels, std::size_t h, std::size_t w, std::size_t c,
                        const jpeg_encode_options& o, unsigned char** out, unsigned long* size, jpeg_error& error) {
  jpeg_compress_struct cinfo;
  cinfo.err = jpeg_std_error(&error.mgr);
  error.mgr.error_exit = sf_jpeg_error_exit;
  error.mgr.emit_message = sf_jpeg_emit_message;
  if (setjmp(error.jump)) {
    jpeg_destroy_compress(&cinfo);
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, out, size);
  cinfo.image_width = static_cast<JDIMENSION>(w);
  cinfo.image_height = static_cast<JDIMENSION>(h);
  cinfo.input_components = static_cast<int>(c);
  cinfo.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, o.quality, TRUE);
  cinfo.optimize_coding = o.optimize_size ? TRUE : FALSE;
  if (o.progressive) jpeg_simple_progression(&cinfo);
  if (c == 3 && !o.chroma_downsampling) cinfo.comp_info[0].h_samp_factor = cinfo.comp_info[0].v_samp_factor = 1;
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<std::uint8_t*>(pixels + std::size_t{cinfo.next_scanline} * w * c);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return true;
}

template <std::size_t C>
std::uint8_t* allocate_image(void* context, std::size_t h, std::size_t w, std::size_t c) {
  auto& slot = *static_cast<std::optional<image_u8<C>>*>(context);
  if constexpr (C == dyn) slot.emplace(staticflow::detail::make_dims<shape<dyn, dyn, dyn>>(h, w, c));
  else slot.emplace(staticflow::detail::make_dims<shape<dyn, dyn, C>>(h, w));
  return slot->data();
}

}  // namespace detail

/// The JPEG in `bytes` decoded to [height, width, C] (C = dyn: the file's channels; 1 or 3 to
/// convert). `where` names the source in errors.
/// **Errors:** data_loss for a file libjpeg rejects (its message) or a truncated one (unless
/// `try_recover_truncated`); invalid_argument for a ratio other than 1/2/4/8 or an image above
/// `max_bytes`, refused before it is allocated.
template <std::size_t C = dyn>
image_u8<C> decode_jpeg(std::span<const std::byte> bytes, const jpeg_decode_options& options = {},
                        std::string_view where = "<memory>") {
  static_assert(C == dyn || C == 1 || C == 3, "sf::image::decode_jpeg: channels must be 1, 3 or dyn (the file's)");
  std::optional<image_u8<C>> image;
  detail::jpeg_error error{};
  std::size_t claimed = 0;
  const int channels = C == dyn ? 0 : static_cast<int>(C);
  const auto status = detail::jpeg_decode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), channels,
                                          options, {&image, &detail::allocate_image<C>}, error, claimed);
  const char* who = "sf::image::decode_jpeg";
  switch (status) {
    case detail::jpeg_status::ok:
      break;
    case detail::jpeg_status::error:
      staticflow::detail::fail<data_loss>({who, ": '", where, "' is not a valid JPEG: ", error.message});
    case detail::jpeg_status::too_large:
      staticflow::detail::fail<invalid_argument>({who, ": '", where, "' would decode to ", claimed,
                                                  " bytes (no pixels, or above max_bytes = ", options.max_bytes, ")"});
    case detail::jpeg_status::bad_channels:
      staticflow::detail::fail<invalid_argument>({who, ": '", where, "': channels must be 0, 1 or 3"});
    case detail::jpeg_status::bad_ratio:
      staticflow::detail::fail<invalid_argument>({who, ": ratio ", options.ratio, " is not 1, 2, 4 or 8"});
  }
  if (error.truncated && !options.try_recover_truncated)
    staticflow::detail::fail<data_loss>({who, ": '", where, "' is truncated (premature end of JPEG data)"});
  return std::move(*image);
}

/// decode_jpeg of the file at `path`.
template <std::size_t C = dyn>
image_u8<C> decode_jpeg_file(const std::string& path, const jpeg_decode_options& options = {}) {
  const std::string bytes = io::read_file(path, "sf::image::decode_jpeg_file").read_all("sf::image::decode_jpeg_file");
  return decode_jpeg<C>(std::as_bytes(std::span(bytes.data(), bytes.size())), options, path);
}

/// The JPEG encoding of an [height, width, 1 or 3] uint8 image (TF's tf.image.encode_jpeg).
/// **Errors:** invalid_argument for other channel counts, an empty image or a quality outside
/// 0-100; internal_error if libjpeg fails.
template <class S>
std::string encode_jpeg(const tensor_view<std::uint8_t, S, host>& image, const jpeg_encode_options& options = {}) {
  static_assert(S::rank == 3, "sf::image::encode_jpeg: images are [height, width, channels]");
  const std::size_t h = image.dim(0), w = image.dim(1), c = image.dim(2);
  const char* who = "sf::image::encode_jpeg";
  if (c != 1 && c != 3) staticflow::detail::fail<invalid_argument>({who, ": ", c, " channels; JPEG takes 1 or 3"});
  if (h == 0 || w == 0 || h > 65535 || w > 65535)
    staticflow::detail::fail<invalid_argument>({who, ": a ", h, " x ", w, " image (JPEG: 1 to 65535 per side)"});
  if (options.quality < 0 || options.quality > 100)
    staticflow::detail::fail<invalid_argument>({who, ": quality ", options.quality, " is not in 0-100"});
  unsigned char* out = nullptr;
  unsigned long size = 0;
  detail::jpeg_error error{};
  const bool ok = detail::jpeg_encode(image.data(), h, w, c, options, &out, &size, error);
  std::string bytes = ok ? std::string(reinterpret_cast<const char*>(out), size) : std::string();
  std::free(out);
  if (!ok) staticflow::detail::fail<internal_error>({who, ": libjpeg failed: ", error.message});
  return bytes;
}
template <class S>
std::string encode_jpeg(const tensor<std::uint8_t, S, host>& image, const jpeg_encode_options& options = {}) {
  return encode_jpeg(image.view(), options);
}

}  // namespace staticflow::image
#endif  // STATICFLOW_IMAGE_JPEG_HPP
