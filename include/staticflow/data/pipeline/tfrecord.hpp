// SPDX-License-Identifier: MIT
/// \file
/// \brief `tfrecord_dataset(files, compression)`: the records of TFRecord files, as a dataset.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_TFRECORD_HPP
#define STATICFLOW_DATA_PIPELINE_TFRECORD_HPP

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "staticflow/data/pipeline/dataset_base.hpp"
#include "staticflow/io/tfrecord.hpp"

namespace staticflow::data {

/// The records of each file in turn, as strings (tf.data.TFRecordDataset): files are opened
/// lazily, one at a time, and streamed; every record's CRCs are checked. To read shards in
/// parallel, interleave: `list_files(glob).interleave([](std::string f) { return
/// tfrecord_dataset(f); }, 4)` followed by `prefetch`.
/// **Errors:** those of io::tfrecord_reader, naming the file and the byte offset: not_found when
/// a file cannot be opened, data_loss for a bad CRC or a truncated record (unless the options
/// ask to skip corrupt records).
class tfrecord_dataset : public dataset_base<tfrecord_dataset> {
 public:
  using element_type = std::string;

  explicit tfrecord_dataset(std::vector<std::string> files, const io::tfrecord_reader_options& options = {})
      : files_(std::make_shared<const std::vector<std::string>>(std::move(files))), options_(options) {}
  tfrecord_dataset(std::vector<std::string> files, io::compression compression)
      : tfrecord_dataset(std::move(files), io::tfrecord_reader_options{.compression = compression}) {}
  explicit tfrecord_dataset(std::string file, const io::tfrecord_reader_options& options = {})
      : tfrecord_dataset(std::vector<std::string>{std::move(file)}, options) {}
  tfrecord_dataset(std::string file, io::compression compression)
      : tfrecord_dataset(std::vector<std::string>{std::move(file)}, compression) {}

  class cursor {
   public:
    cursor(std::shared_ptr<const std::vector<std::string>> files, const io::tfrecord_reader_options& options)
        : files_(std::move(files)), options_(options) {}
    std::optional<std::string> next() {
      std::string record;
      while (file_ < files_->size()) {
        if (!reader_) reader_ = std::make_unique<io::tfrecord_reader>((*files_)[file_], options_);
        if (reader_->next(record)) return record;
        reader_.reset();
        ++file_;
      }
      return std::nullopt;
    }

   private:
    std::shared_ptr<const std::vector<std::string>> files_;
    io::tfrecord_reader_options options_;
    std::size_t file_ = 0;
    std::unique_ptr<io::tfrecord_reader> reader_;  // not movable itself; cursors move
  };

  cursor make_cursor() const { return cursor(files_, options_); }

 private:
  std::shared_ptr<const std::vector<std::string>> files_;
  io::tfrecord_reader_options options_;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_TFRECORD_HPP
