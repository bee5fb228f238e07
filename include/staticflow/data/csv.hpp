// SPDX-License-Identifier: MIT
/// \file
/// \brief CSV input, as TF 1.x's `tf.decode_csv` and `make_csv_dataset` read it: `split_csv`
/// (one record's fields, RFC 4180 quoting), `decode_csv(record, defaults)` (typed fields with
/// record defaults) and `csv_dataset(files, defaults, options)` (a pipeline source of decoded
/// records: a header line per file, records spanning lines inside quotes, errors naming the file,
/// the line and the column).
///
/// Record defaults are a tuple with one entry per column: a value (`0.f`, `std::int64_t{0}`,
/// `std::string{}`) is the column's type and the value of an empty field; `required<T>` makes an
/// empty field an error, as an empty default tensor does in TF.
///
/// **Errors** (invalid_argument, naming where: "adult.data:17: column 3 ('education')"): an
/// unterminated quote, text after a closing quote, a field count other than the defaults', a
/// number that does not parse whole or is out of the type's range, an empty required field.
#pragma once
#ifndef STATICFLOW_DATA_CSV_HPP
#define STATICFLOW_DATA_CSV_HPP

#include <charconv>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "staticflow/core/dtype.hpp"
#include "staticflow/core/error.hpp"
#include "staticflow/data/pipeline/dataset_base.hpp"

namespace staticflow::data {

/// A column with no default: an empty field is an error.
template <class T>
struct required {};

struct csv_options {
  char delimiter = ',';
  char quote = '"';                 ///< RFC 4180's; ARFF files quote with '\''
  bool header = false;              ///< the first record of each file names the columns
  bool skip_initial_space = false;  ///< drop spaces after a delimiter (", State-gov" -> "State-gov")
  std::string na_value{};           ///< a field equal to this counts as empty (TF's `na_value`)
};

namespace detail {

template <class D>
struct csv_column {
  using type = D;
  static constexpr bool is_required = false;
};
template <class T>
struct csv_column<required<T>> {
  using type = T;
  static constexpr bool is_required = true;
};
template <class D>
using csv_value_t = typename csv_column<D>::type;

template <class T>
inline constexpr bool csv_type_v = std::is_same_v<T, float> || std::is_same_v<T, double> ||
                                   std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t> ||
                                   std::is_same_v<T, std::string>;

/// "file:line: column 3 ('education')", or what is known of it.
inline std::string csv_where(std::string_view where, std::size_t column, const std::vector<std::string>* names) {
  std::string s = where.empty() ? std::string("csv") : std::string(where);
  s += ": column " + std::to_string(column + 1);
  if (names != nullptr && column < names->size()) s += " ('" + (*names)[column] + "')";
  return s;
}

template <class T>
T parse_csv_number(std::string_view field, const std::string& where) {
  while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) field.remove_prefix(1);
  while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.remove_suffix(1);
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  T value{};
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec == std::errc::result_out_of_range)
    staticflow::detail::fail<invalid_argument>({where, ": '", field, "' is out of range for ", dtype_name_v<T>});
  if (ec != std::errc() || end != field.data() + field.size() || field.empty())
    staticflow::detail::fail<invalid_argument>({where, ": cannot parse '", field, "' as ", dtype_name_v<T>});
  return value;
}

/// One field: its default when empty (or `na_value`), else parsed as the column's type.
template <class D>
csv_value_t<D> decode_field(const std::string& field, const D& default_value, std::size_t column,
                                    const csv_options& options, std::string_view where,
                                    const std::vector<std::string>* names) {
  using T = csv_value_t<D>;
  if (field.empty() || (!options.na_value.empty() && field == options.na_value)) {
    if constexpr (csv_column<D>::is_required)
      staticflow::detail::fail<invalid_argument>({csv_where(where, column, names), ": the field is empty and the "
                                                  "column has no default"});
    else return default_value;
  }
  if constexpr (std::is_same_v<T, std::string>) return field;
  else return detail::parse_csv_number<T>(field, csv_where(where, column, names));
}

}  // namespace detail

/// Whether `text` holds whole records: every quote opened is closed (a line that ends inside
/// quotes continues on the next).
inline bool csv_complete(std::string_view text, char quote = '"') {
  bool quoted = false;
  for (const char c : text) quoted ^= c == quote;
  return !quoted;
}

/// The fields of one record (RFC 4180): a field in double quotes may hold the delimiter, line
/// breaks and quotes written twice (`""`). `where` prefixes error messages.
inline std::vector<std::string> split_csv(std::string_view record, const csv_options& options = {},
                                          std::string_view where = "") {
  std::vector<std::string> fields(1);
  enum { start, plain, quoted, after_quote } state = start;
  for (std::size_t i = 0; i < record.size(); ++i) {
    const char c = record[i];
    if (state == quoted) {
      if (c != options.quote) fields.back() += c;
      else if (i + 1 < record.size() && record[i + 1] == options.quote) fields.back() += c, ++i;
      else state = after_quote;
    } else if (c == options.delimiter) {
      fields.emplace_back();
      state = start;
    } else if (state == start && c == ' ' && options.skip_initial_space) {
      continue;
    } else if (state == start && c == options.quote) {
      state = quoted;
    } else if (state == after_quote) {
      staticflow::detail::fail<invalid_argument>({detail::csv_where(where, fields.size() - 1, nullptr),
                                                  ": text after the closing quote (a quote inside a quoted field "
                                                  "is written twice)"});
    } else {
      fields.back() += c;
      state = plain;
    }
  }
  if (state == quoted)
    staticflow::detail::fail<invalid_argument>(
        {detail::csv_where(where, fields.size() - 1, nullptr), ": the quoted field has no closing quote"});
  return fields;
}

/// One record's fields typed by `defaults` (see the file comment). `names` (a header's) and
/// `where` ("file:line") go into error messages.
template <class... D>
std::tuple<detail::csv_value_t<D>...> decode_csv(std::string_view record, const std::tuple<D...>& defaults,
                                                 const csv_options& options = {}, std::string_view where = "",
                                                 const std::vector<std::string>* names = nullptr) {
  static_assert((detail::csv_type_v<detail::csv_value_t<D>> && ...),
                "sf::data::decode_csv: a column's type must be float, double, int32_t, int64_t or std::string");
  const std::vector<std::string> fields = split_csv(record, options, where);
  if (fields.size() != sizeof...(D))
    staticflow::detail::fail<invalid_argument>({where.empty() ? std::string_view("csv") : where, ": ",
                                                std::to_string(fields.size()), " fields, expected ",
                                                std::to_string(sizeof...(D))});
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::tuple<detail::csv_value_t<D>...>{detail::decode_field<D>(fields[I], std::get<I>(defaults), I, options, where, names)...};
  }(std::index_sequence_for<D...>{});
}

/// Decoded records of CSV files, in order (a pipeline source: `.shuffle`, `.batch`, `.map`, ...).
/// With `options.header`, each file's first record names the columns (used in messages).
/// **Errors:** not_found naming a file that cannot be opened; invalid_argument as `decode_csv`,
/// with the file and line, and for a file that ends inside quotes.
template <class... D>
class csv_dataset : public dataset_base<csv_dataset<D...>> {
 public:
  using element_type = std::tuple<detail::csv_value_t<D>...>;

  csv_dataset(std::vector<std::string> files, std::tuple<D...> defaults, csv_options options = {})
      : state_(std::make_shared<const state>(state{std::move(files), std::move(defaults), std::move(options)})) {}

  class cursor;
  cursor make_cursor() const { return cursor(state_); }

 private:
  struct state {
    std::vector<std::string> files;
    std::tuple<D...> defaults;
    csv_options options;
  };
  std::shared_ptr<const state> state_;

 public:
  class cursor {
   public:
    explicit cursor(std::shared_ptr<const state> s) : s_(std::move(s)) {}
    std::optional<element_type> next() {
      std::string record;
      while (file_ < s_->files.size()) {
        if (!in_) open();
        const std::size_t first_line = line_ + 1;
        if (read_record(record)) {
          const std::string where = s_->files[file_] + ":" + std::to_string(first_line);
          if (s_->options.header && !header_read_) {
            names_ = split_csv(record, s_->options, where);
            header_read_ = true;
            continue;
          }
          return decode_csv(record, s_->defaults, s_->options, where, names_.empty() ? nullptr : &names_);
        }
        in_.reset(), ++file_, line_ = 0, header_read_ = false;
      }
      return std::nullopt;
    }

   private:
    void open() {
      in_ = std::make_unique<std::ifstream>(s_->files[file_], std::ios::binary);
      if (!*in_)
        staticflow::detail::fail<not_found>({"sf::data::csv_dataset: cannot open '", s_->files[file_], "'"});
    }
    /// The next record, joining lines while a quote is open; false at the end of the file.
    bool read_record(std::string& record) {
      std::string line;
      record.clear();
      bool any = false;
      while (std::getline(*in_, line)) {
        ++line_;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (any) record += '\n';
        record += line;
        any = true;
        if (csv_complete(record, s_->options.quote)) {
          if (record.empty()) {  // blank lines separate nothing: skip them
            any = false;
            continue;
          }
          return true;
        }
      }
      if (in_->bad())
        staticflow::detail::fail<data_loss>({"sf::data::csv_dataset: reading '", s_->files[file_], "' failed"});
      if (any)
        staticflow::detail::fail<invalid_argument>({s_->files[file_], ":", std::to_string(line_),
                                                    ": the file ends inside a quoted field"});
      return false;
    }

    std::shared_ptr<const state> s_;
    std::size_t file_ = 0, line_ = 0;
    bool header_read_ = false;
    std::vector<std::string> names_;
    std::unique_ptr<std::ifstream> in_;
  };
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_CSV_HPP
