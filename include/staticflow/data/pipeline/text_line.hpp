// SPDX-License-Identifier: MIT
/// \file
/// \brief `text_line_dataset(files)`: the lines of text files, without their line ends.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_TEXT_LINE_HPP
#define STATICFLOW_DATA_PIPELINE_TEXT_LINE_HPP

#include <cstddef>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/data/pipeline/dataset_base.hpp"

namespace staticflow::data {

/// Lines of each file in turn (tf.data.TextLineDataset): "\n" and "\r\n" end a line; a last
/// line without one still counts; files are opened lazily, one at a time.
/// **Errors:** not_found naming the file when it cannot be opened; data_loss when reading fails.
class text_line_dataset : public dataset_base<text_line_dataset> {
 public:
  using element_type = std::string;

  explicit text_line_dataset(std::vector<std::string> files)
      : files_(std::make_shared<const std::vector<std::string>>(std::move(files))) {}
  explicit text_line_dataset(std::string file) : text_line_dataset(std::vector<std::string>{std::move(file)}) {}

  class cursor {
   public:
    explicit cursor(std::shared_ptr<const std::vector<std::string>> files) : files_(std::move(files)) {}
    std::optional<std::string> next() {
      while (file_ < files_->size()) {
        if (!in_) open();
        std::string line;
        if (std::getline(*in_, line)) {
          if (!line.empty() && line.back() == '\r') line.pop_back();
          return line;
        }
        if (in_->bad())
          staticflow::detail::fail<data_loss>({"staticflow::data::text_line_dataset: reading '", (*files_)[file_],
                                               "' failed"});
        in_.reset();
        ++file_;
      }
      return std::nullopt;
    }

   private:
    void open() {
      const std::string& name = (*files_)[file_];
      in_ = std::make_unique<std::ifstream>(name, std::ios::binary);
      if (!*in_) staticflow::detail::fail<not_found>({"staticflow::data::text_line_dataset: cannot open '", name, "'"});
    }

    std::shared_ptr<const std::vector<std::string>> files_;
    std::size_t file_ = 0;
    std::unique_ptr<std::ifstream> in_;
  };

  cursor make_cursor() const { return cursor(files_); }

 private:
  std::shared_ptr<const std::vector<std::string>> files_;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_TEXT_LINE_HPP
