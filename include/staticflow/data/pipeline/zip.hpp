// SPDX-License-Identifier: MIT
/// \file
/// \brief `zip_dataset`: `zip(a, b, ...)` and `a.zip(b, ...)`.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_ZIP_HPP
#define STATICFLOW_DATA_PIPELINE_ZIP_HPP

#include <cstddef>
#include <optional>
#include <tuple>
#include <utility>

#include "staticflow/data/pipeline/dataset_base.hpp"

namespace staticflow::data {

/// See zip(). Each next() asks the inputs in order and stops at the first that has ended (as
/// TF does), so the inputs after it are not advanced.
template <class... Ds>
class zip_dataset : public dataset_base<zip_dataset<Ds...>> {
  static_assert(sizeof...(Ds) >= 1, "staticflow::data::zip: give at least one dataset");
  static_assert((pipeline_dataset<Ds> && ...), "staticflow::data::zip: every argument must be a dataset");

 public:
  using element_type = std::tuple<typename Ds::element_type...>;

  explicit zip_dataset(Ds... ds) : ds_(std::move(ds)...) {}

  class cursor {
   public:
    explicit cursor(typename Ds::cursor... c) : cursors_(std::move(c)...) {}
    std::optional<element_type> next() {
      std::tuple<std::optional<typename Ds::element_type>...> parts;
      const bool all = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return ((std::get<I>(parts) = std::get<I>(cursors_).next()).has_value() && ...);
      }(std::index_sequence_for<Ds...>{});
      if (!all) return std::nullopt;
      return std::apply([](auto&... p) { return element_type(std::move(*p)...); }, parts);
    }

   private:
    std::tuple<typename Ds::cursor...> cursors_;
  };

  cursor make_cursor() const {
    return std::apply([](const auto&... d) { return cursor(d.make_cursor()...); }, ds_);
  }

 private:
  std::tuple<Ds...> ds_;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_ZIP_HPP
