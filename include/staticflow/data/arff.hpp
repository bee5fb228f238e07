// SPDX-License-Identifier: MIT
/// \file
/// \brief `read_arff(path)`: a Weka ARFF file (the attribute-relation format of Weka's example
/// data sets): its attributes (numeric, or nominal with their values) and its rows
/// (`features/from_arff.hpp` makes a feature batch of them).
///
/// The format: `%` starts a comment line; `@relation NAME`; one `@attribute NAME TYPE` per column,
/// TYPE `numeric`/`real`/`integer` or a `{v1, v2, ...}` list; `@data`; then one CSV record per
/// line, quoted with `'`, `?` for a missing value. Keywords are case-insensitive. Sparse
/// ARFF rows (`{0 x, 3 y}`), dates and strings are not read (an error says so).
///
/// **Errors:** not_found for a file that cannot be opened; invalid_argument naming the file and
/// line for a malformed header, a row with the wrong number of fields, a nominal value not in the
/// attribute's list or an unparseable number.
#pragma once
#ifndef STATICFLOW_DATA_ARFF_HPP
#define STATICFLOW_DATA_ARFF_HPP

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/data/csv.hpp"

namespace staticflow::data {

struct arff_attribute {
  std::string name;
  bool numeric = false;
  std::vector<std::string> values;  ///< a nominal attribute's values, in declaration order
};

struct arff_file {
  std::string relation;
  std::vector<arff_attribute> attributes;
  std::vector<std::vector<std::string>> rows;  ///< fields as text; "" for a missing value ('?')

  /// The index of attribute `name`; invalid_argument naming it when there is none.
  std::size_t index(std::string_view name) const {
    for (std::size_t i = 0; i < attributes.size(); ++i)
      if (attributes[i].name == name) return i;
    staticflow::detail::fail<invalid_argument>({"sf::data::arff_file: no attribute '", name, "' in relation '",
                                                relation, "'"});
  }
};

namespace detail {

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
inline bool starts_with_keyword(std::string_view line, std::string_view keyword) {
  if (line.size() < keyword.size()) return false;
  for (std::size_t i = 0; i < keyword.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != keyword[i]) return false;
  return line.size() == keyword.size() || std::isspace(static_cast<unsigned char>(line[keyword.size()]));
}
/// A name or value that may be quoted: the text and what follows it.
inline std::pair<std::string, std::string_view> arff_token(std::string_view s, const std::string& where) {
  s = trim(s);
  if (!s.empty() && (s.front() == '\'' || s.front() == '"')) {
    const std::size_t end = s.find(s.front(), 1);
    if (end == std::string_view::npos)
      staticflow::detail::fail<invalid_argument>({where, ": unterminated quote in '", s, "'"});
    return {std::string(s.substr(1, end - 1)), s.substr(end + 1)};
  }
  std::size_t end = 0;
  while (end < s.size() && !std::isspace(static_cast<unsigned char>(s[end])) && s[end] != '{') ++end;
  return {std::string(s.substr(0, end)), s.substr(end)};
}

inline arff_attribute parse_attribute(std::string_view rest, const std::string& where) {
  auto [name, type] = arff_token(rest, where);
  type = trim(type);
  if (name.empty()) staticflow::detail::fail<invalid_argument>({where, ": @attribute without a name"});
  arff_attribute a{std::move(name), false, {}};
  if (!type.empty() && type.front() == '{') {
    if (type.back() != '}') staticflow::detail::fail<invalid_argument>({where, ": nominal list without '}'"});
    csv_options o;
    o.quote = '\'';
    o.skip_initial_space = true;
    for (const std::string& v : split_csv(type.substr(1, type.size() - 2), o, where)) a.values.emplace_back(trim(v));
    return a;
  }
  std::string t(type);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  if (t != "numeric" && t != "real" && t != "integer")
    staticflow::detail::fail<invalid_argument>({where, ": attribute '", a.name, "' has type '", type,
                                                "', which is not read (numeric, real, integer or {nominal values})"});
  a.numeric = true;
  return a;
}

}  // namespace detail

inline arff_file read_arff(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) staticflow::detail::fail<not_found>({"sf::data::read_arff: cannot open '", path, "'"});
  arff_file f;
  bool in_data = false;
  std::size_t line_no = 0;
  csv_options row_options;
  row_options.quote = '\'';
  row_options.skip_initial_space = true;
  for (std::string raw; std::getline(in, raw);) {
    ++line_no;
    const std::string where = path + ":" + std::to_string(line_no);
    const std::string_view line = detail::trim(raw);
    if (line.empty() || line.front() == '%') continue;
    if (!in_data) {
      if (detail::starts_with_keyword(line, "@relation")) f.relation = detail::arff_token(line.substr(9), where).first;
      else if (detail::starts_with_keyword(line, "@attribute")) f.attributes.push_back(detail::parse_attribute(line.substr(10), where));
      else if (detail::starts_with_keyword(line, "@data")) in_data = true;
      else staticflow::detail::fail<invalid_argument>({where, ": expected @relation, @attribute or @data"});
      continue;
    }
    if (line.front() == '{')
      staticflow::detail::fail<invalid_argument>({where, ": sparse ARFF rows are not read"});
    std::vector<std::string> fields = split_csv(line, row_options, where);
    if (fields.size() != f.attributes.size())
      staticflow::detail::fail<invalid_argument>({where, ": ", std::to_string(fields.size()), " fields, expected ",
                                                  std::to_string(f.attributes.size())});
    for (std::size_t i = 0; i < fields.size(); ++i) {
      std::string& v = fields[i];
      v = std::string(detail::trim(v));
      if (v == "?") v.clear();
      const arff_attribute& a = f.attributes[i];
      if (v.empty()) continue;
      if (a.numeric) (void)detail::parse_csv_number<double>(v, detail::csv_where(where, i, nullptr) + " ('" + a.name + "')");
      else if (std::find(a.values.begin(), a.values.end(), v) == a.values.end())
        staticflow::detail::fail<invalid_argument>({where, ": '", v, "' is not a value of nominal attribute '", a.name, "'"});
    }
    f.rows.push_back(std::move(fields));
  }
  if (in.bad()) staticflow::detail::fail<data_loss>({"sf::data::read_arff: reading '", path, "' failed"});
  if (!in_data) staticflow::detail::fail<invalid_argument>({path, ": no @data section"});
  return f;
}

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_ARFF_HPP
