// SPDX-License-Identifier: MIT
/// \file
/// \brief `operator<<` for host tensors, formatted exactly as numpy's `str(array)` prints them.
///
/// Follows numpy's defaults (precision 8, `floatmode='maxprec'`, threshold 1000, edgeitems 3,
/// linewidth 75): floats use the shortest representation that round-trips in their own type,
/// cut to 8 fractional digits; integral values print as "1."; columns are aligned on the
/// decimal point; scientific notation is chosen for the whole array when its nonzero
/// magnitudes span more than 1e3, exceed 1e8 or fall below 1e-4. Arrays of more than 1000
/// elements show the first and last 3 entries of each long axis around "...".
#pragma once
#ifndef STATICFLOW_CORE_PRINT_HPP
#define STATICFLOW_CORE_PRINT_HPP

#include <algorithm>
#include <charconv>
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

inline constexpr std::size_t summary_mark = static_cast<std::size_t>(-1);

/// Which indices of an axis of extent n are shown ("..." is marked by summary_mark).
inline std::vector<std::size_t> shown_indices(std::size_t n, bool summarise, std::size_t edge) {
  std::vector<std::size_t> idx;
  if (summarise && n > 2 * edge) {
    for (std::size_t i = 0; i < edge; ++i) idx.push_back(i);
    idx.push_back(summary_mark);
    for (std::size_t i = n - edge; i < n; ++i) idx.push_back(i);
  } else {
    for (std::size_t i = 0; i < n; ++i) idx.push_back(i);
  }
  return idx;
}

/// The shortest digits that read back as the same `T` (numpy's "unique" mode), in fixed or
/// scientific notation; more than 8 fractional digits are rounded to 8 (numpy's precision).
template <class T>
std::string shortest_digits(T v, bool scientific) {
  char buf[128];
  const auto fmt = scientific ? std::chars_format::scientific : std::chars_format::fixed;
  const auto res = std::to_chars(buf, buf + sizeof buf, v, fmt);
  std::string s(buf, res.ptr);
  const auto dot = s.find('.');
  const auto end = scientific ? s.find('e') : s.size();
  if (dot != std::string::npos && end - dot - 1 > 8) {
    std::snprintf(buf, sizeof buf, scientific ? "%.8e" : "%.8f", static_cast<double>(v));
    s = buf;
    const auto e = scientific ? s.find('e') : s.size();
    std::string mant = s.substr(0, e);
    while (mant.back() == '0') mant.pop_back();
    if (mant.back() == '.') mant.pop_back();
    s = mant + s.substr(e);
  }
  return s;
}

/// A float split as numpy pads it: integer part, fraction digits, exponent digits and sign.
struct float_parts {
  std::string int_part, frac, exp_sign, exp_digits;
};

template <class T>
float_parts split_float(T v, bool scientific) {
  const std::string s = shortest_digits(v, scientific);
  float_parts p;
  const auto e = s.find('e');
  const std::string mant = s.substr(0, e);
  if (e != std::string::npos) {
    p.exp_sign = s.substr(e + 1, 1);
    p.exp_digits = s.substr(e + 2);
  }
  const auto dot = mant.find('.');
  p.int_part = mant.substr(0, dot);
  if (dot != std::string::npos) p.frac = mant.substr(dot + 1);
  return p;
}

/// numpy's FloatingFormat: one layout (fixed or scientific, pads) decided from all shown values.
template <class T>
class float_format {
 public:
  explicit float_format(const std::vector<T>& values) {
    double lo = 0, hi = 0;
    bool any = false, nonfinite = false, neg_inf = false;
    for (T v : values) {
      if (!std::isfinite(v)) {
        nonfinite = true, neg_inf |= std::isinf(v) && v < 0;
        continue;
      }
      const double a = std::fabs(static_cast<double>(v));
      if (a == 0) continue;
      lo = any ? std::min(lo, a) : a, hi = any ? std::max(hi, a) : a, any = true;
    }
    scientific_ = any && (hi >= 1e8 || lo < 1e-4 || hi / lo > 1e3);
    for (T v : values) {
      if (!std::isfinite(v)) continue;
      const auto p = split_float(v, scientific_);
      pad_left_ = std::max(pad_left_, p.int_part.size());
      pad_right_ = std::max(pad_right_, p.frac.size());
      exp_size_ = std::max(exp_size_, p.exp_digits.size());
    }
    precision_ = pad_right_;
    if (scientific_) pad_right_ += exp_size_ + 2;  // "e+" and the exponent follow the digits
    if (nonfinite) {
      const std::size_t offset = pad_right_ + 1, inf_len = neg_inf ? 4 : 3;
      pad_left_ = std::max({pad_left_, 3 > offset ? 3 - offset : 0, inf_len > offset ? inf_len - offset : 0});
    }
  }

  std::string operator()(T v) const {
    const std::size_t width = pad_left_ + pad_right_ + 1;
    if (!std::isfinite(v)) {
      const std::string s = std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
      return std::string(width > s.size() ? width - s.size() : 0, ' ') + s;
    }
    const auto p = split_float(v, scientific_);
    std::string out(pad_left_ > p.int_part.size() ? pad_left_ - p.int_part.size() : 0, ' ');
    out += p.int_part + '.';
    if (scientific_) {  // numpy keeps zeros here so every mantissa has the same digits
      out += p.frac + std::string(precision_ - p.frac.size(), '0');
      out += 'e' + p.exp_sign + std::string(exp_size_ - p.exp_digits.size(), '0') + p.exp_digits;
    } else {
      out += p.frac + std::string(pad_right_ - p.frac.size(), ' ');
    }
    return out;
  }

 private:
  bool scientific_ = false;
  std::size_t pad_left_ = 0, pad_right_ = 0, exp_size_ = 0, precision_ = 0;
};

/// numpy's IntegerFormat and BoolFormat: right-aligned to the widest shown value.
template <class T>
class plain_format {
 public:
  explicit plain_format(const std::vector<T>& values) {
    for (T v : values) width_ = std::max(width_, raw(v).size());
  }
  std::string operator()(T v) const {
    const std::string s = raw(v);
    return std::string(width_ - s.size(), ' ') + s;
  }

 private:
  static std::string raw(T v) {
    if constexpr (std::is_same_v<T, bool>) return v ? "True" : "False";
    else return std::to_string(static_cast<long long>(v));
  }
  // Booleans always leave room for "False" in arrays: numpy prints [ True  True].
  std::size_t width_ = std::is_same_v<T, bool> ? 5 : 0;
};

/// A 0-d array prints as numpy prints the scalar: "1.0", "0.3", "1e-05", "True", "7".
template <class T>
std::string scalar_string(T v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "True" : "False";
  } else if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    const double a = std::fabs(static_cast<double>(v));
    char buf[128];
    if (a != 0 && (a < 1e-4 || a >= 1e16)) {
      const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
      return std::string(buf, res.ptr);
    }
    const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    std::string s(buf, res.ptr);
    return s.find('.') == std::string::npos ? s + ".0" : s;
  } else {
    return std::to_string(static_cast<long long>(v));
  }
}

/// Port of numpy's `_formatArray` (non-legacy mode), so line wrapping matches character for character.
template <class T, std::size_t R>
class array_printer {
 public:
  array_printer(const T* data, const index_array<R>& dims, print_options opt = {})
      : data_(data), dims_(dims), opt_(opt) {
    summarise_ = element_count(dims) > opt.threshold;
  }

  std::string str() const {
    if constexpr (R == 0) {
      return scalar_string(data_[0]);
    } else {
      std::vector<T> shown;
      collect(shown, 0, 0);
      if constexpr (std::is_floating_point_v<T>) return render(float_format<T>(shown));
      else return render(plain_format<T>(shown));
    }
  }

 private:
  std::size_t stride(std::size_t axis) const {
    std::size_t s = 1;
    for (std::size_t d = axis + 1; d < R; ++d) s *= dims_[d];
    return s;
  }

  void collect(std::vector<T>& out, std::size_t axis, std::size_t offset) const {
    if (axis == R) {
      out.push_back(data_[offset]);
      return;
    }
    for (std::size_t i : shown_indices(dims_[axis], summarise_, opt_.edge))
      if (i != summary_mark) collect(out, axis + 1, offset + i * stride(axis));
  }

  template <class F>
  std::string render(const F& format) const {
    if (element_count(dims_) == 0) return "[]";  // numpy prints any empty array so
    return recurse(format, 0, 0, " ", opt_.line_width);
  }

  /// Appends `word` to `line`, first moving `line` into `s` when the word would pass `width`.
  static void extend_line(std::string& s, std::string& line, const std::string& word, std::size_t width,
                          const std::string& indent) {
    const bool wrap = line.size() + word.size() > width && line.size() > indent.size();
    if (wrap) {
      const auto last = line.find_last_not_of(' ');
      s += line.substr(0, last == std::string::npos ? 0 : last + 1) + '\n';
      line = indent;
    }
    line += word;
  }

  template <class F>
  std::string recurse(const F& format, std::size_t axis, std::size_t offset, const std::string& indent,
                      std::size_t width) const {
    const auto idx = shown_indices(dims_[axis], summarise_, opt_.edge);
    const std::string next_indent = indent + ' ';
    std::string s;
    if (axis + 1 == R) {
      const std::size_t elem_width = width - 1;  // room for the closing bracket
      std::string line = indent;
      for (std::size_t k = 0; k < idx.size(); ++k) {
        const std::string word = idx[k] == summary_mark ? "..." : format(data_[offset + idx[k]]);
        extend_line(s, line, word, elem_width, indent);
        if (k + 1 < idx.size()) line += ' ';
      }
      s += line;
    } else {
      const std::string line_sep(R - axis - 1, '\n');
      for (std::size_t k = 0; k < idx.size(); ++k) {
        s += indent;
        if (idx[k] == summary_mark) s += "...";
        else s += recurse(format, axis + 1, offset + idx[k] * stride(axis), next_indent, width - 1);
        if (k + 1 < idx.size()) s += line_sep;
      }
    }
    return '[' + s.substr(indent.size()) + ']';
  }

  const T* data_;
  index_array<R> dims_;
  print_options opt_;
  bool summarise_ = false;
};

}  // namespace detail

/// Prints a host tensor like numpy's `print(array)`: `[[1. 2.]\n [3. 4.]]`.
template <class T, class S>
std::ostream& operator<<(std::ostream& os, const tensor_view<T, S, host>& t) {
  return os << detail::array_printer<T, S::rank>(t.data(), t.dims()).str();
}
template <class T, class S>
std::ostream& operator<<(std::ostream& os, const tensor<T, S, host>& t) {
  return os << t.view();
}

}  // namespace staticflow
#endif  // STATICFLOW_CORE_PRINT_HPP
