// SPDX-License-Identifier: MIT
/// \file
/// \brief `operator<<` for host tensors, formatted as numpy prints arrays.
///
/// Floats use numpy's default: up to 8 fractional digits, trailing zeros dropped, integral
/// values as "1.", columns aligned on the decimal point. Tensors of more than 1000 elements
/// are summarised with the first and last 3 entries of each long axis around "...".
#pragma once

#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "staticflow/core/tensor.hpp"

namespace staticflow {

namespace detail {

struct print_options {
  std::size_t threshold = 1000;  ///< summarise above this many elements (numpy's threshold)
  std::size_t edge = 3;          ///< entries kept at each end of a summarised axis (numpy's edgeitems)
  std::size_t line_width = 75;   ///< wrap rows longer than this (numpy's linewidth)
};

/// Which indices of an axis of extent n are shown ("..." is marked by npos).
inline std::vector<std::size_t> shown_indices(std::size_t n, bool summarise, std::size_t edge) {
  std::vector<std::size_t> idx;
  if (summarise && n > 2 * edge) {
    for (std::size_t i = 0; i < edge; ++i) idx.push_back(i);
    idx.push_back(static_cast<std::size_t>(-1));
    for (std::size_t i = n - edge; i < n; ++i) idx.push_back(i);
  } else {
    for (std::size_t i = 0; i < n; ++i) idx.push_back(i);
  }
  return idx;
}

/// Formats one element before alignment: floats split into integer part and fraction.
template <class T>
std::string format_element(T v, bool scientific) {
  char buf[64];
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "True" : "False";
  } else if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (scientific) {
      std::snprintf(buf, sizeof buf, "%.8e", static_cast<double>(v));
      std::string s = buf;  // drop trailing zeros of the mantissa, as numpy does
      const auto e = s.find('e');
      std::string mant = s.substr(0, e), expo = s.substr(e);
      while (mant.back() == '0') mant.pop_back();
      return mant + expo;
    }
    std::snprintf(buf, sizeof buf, "%.8f", static_cast<double>(v));
    std::string s = buf;
    while (s.back() == '0') s.pop_back();  // keeps the '.', so 1.0 prints as "1."
    if (s == "-0.") s = "-0.";
    return s;
  } else {
    return std::to_string(static_cast<long long>(v));
  }
}

template <class T, std::size_t R>
class array_printer {
 public:
  array_printer(const T* data, const index_array<R>& dims, print_options opt = {})
      : data_(data), dims_(dims), opt_(opt) {
    summarise_ = element_count(dims) > opt.threshold;
    collect(0, 0);
    decide_format();
  }

  std::string str() const {
    if constexpr (R == 0) {
      return cells_.empty() ? std::string() : pad(cells_.front());
    } else {
      std::string out;
      std::size_t cell = 0;
      print_axis(out, 0, 0, 1, cell);
      return out;
    }
  }

 private:
  void collect(std::size_t axis, std::size_t offset) {
    if (axis == R) {
      values_.push_back(data_[offset]);
      return;
    }
    std::size_t stride = 1;
    for (std::size_t d = axis + 1; d < R; ++d) stride *= dims_[d];
    for (std::size_t i : shown_indices(dims_[axis], summarise_, opt_.edge))
      if (i != static_cast<std::size_t>(-1)) collect(axis + 1, offset + i * stride);
  }

  void decide_format() {
    if constexpr (std::is_floating_point_v<T>) {
      double lo = 0, hi = 0;
      bool any = false;
      for (T v : values_) {
        const double a = std::fabs(static_cast<double>(v));
        if (!std::isfinite(a) || a == 0) continue;
        lo = any ? std::min(lo, a) : a, hi = any ? std::max(hi, a) : a, any = true;
      }
      scientific_ = any && (hi >= 1e16 || lo < 1e-4 || (hi / lo > 1e3 && lo < 1e-3));
    }
    for (T v : values_) cells_.push_back(format_element(v, scientific_));
    for (const auto& c : cells_) {
      const auto dot = c.find('.');
      if (std::is_floating_point_v<T> && !scientific_ && dot != std::string::npos) {
        int_width_ = std::max(int_width_, dot);
        frac_width_ = std::max(frac_width_, c.size() - dot);
      } else {
        int_width_ = std::max(int_width_, c.size());
      }
    }
  }

  /// Aligns a cell: integer parts right-aligned, fractions left-aligned (numpy's pad_left/right).
  std::string pad(const std::string& c) const {
    const auto dot = c.find('.');
    if (std::is_floating_point_v<T> && !scientific_ && dot != std::string::npos)
      return std::string(int_width_ - dot, ' ') + c + std::string(frac_width_ - (c.size() - dot), ' ');
    return std::string(int_width_ + frac_width_ - c.size(), ' ') + c;
  }

  void print_axis(std::string& out, std::size_t axis, std::size_t indent, std::size_t, std::size_t& cell) const {
    out += '[';
    const auto idx = shown_indices(dims_[axis], summarise_, opt_.edge);
    const std::string sep_rows(R - axis - 1, '\n');
    std::size_t line_start = out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      const bool last = k + 1 == idx.size();
      if (axis + 1 == R) {
        std::string item = idx[k] == static_cast<std::size_t>(-1) ? "..." : pad(cells_[cell++]);
        if (k && out.size() - line_start + item.size() + 2 > opt_.line_width) {
          out += '\n' + std::string(indent + 1, ' ');
          line_start = out.size() - indent - 1;
        } else if (k) {
          out += ' ';
        }
        out += item;
      } else {
        if (k) out += std::string(indent + 1, ' ');
        if (idx[k] == static_cast<std::size_t>(-1)) out += "...";
        else print_axis(out, axis + 1, indent + 1, 0, cell);
        if (!last) out += sep_rows;
      }
    }
    out += ']';
  }

  const T* data_;
  index_array<R> dims_;
  print_options opt_;
  bool summarise_ = false, scientific_ = false;
  std::vector<T> values_;
  std::vector<std::string> cells_;
  std::size_t int_width_ = 0, frac_width_ = 0;
};

}  // namespace detail

/// Prints a host tensor like numpy: `[[1. 2.]\n [3. 4.]]`.
template <class T, class S>
std::ostream& operator<<(std::ostream& os, const tensor_view<T, S, host>& t) {
  return os << detail::array_printer<T, S::rank>(t.data(), t.dims()).str();
}
template <class T, class S>
std::ostream& operator<<(std::ostream& os, const tensor<T, S, host>& t) {
  return os << t.view();
}

}  // namespace staticflow
