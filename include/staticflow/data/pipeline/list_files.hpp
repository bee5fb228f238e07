// SPDX-License-Identifier: MIT
/// \file
/// \brief `list_files(pattern, shuffle, seed)`: the file names matching a glob, as a dataset.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_LIST_FILES_HPP
#define STATICFLOW_DATA_PIPELINE_LIST_FILES_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/data/pipeline/shuffle.hpp"
#include "staticflow/data/pipeline/tensor_slices.hpp"

namespace staticflow::data {

namespace detail {

/// True when `name` matches the glob `pattern`: `*` (any run), `?` (one character),
/// `[abc]`, `[a-z]`, `[!a]` (one of / not one of). No path separators are involved.
inline bool glob_match(std::string_view pattern, std::string_view name) {
  std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  const auto class_match = [&](std::size_t& q, char c) {  // q at '['; leaves q after ']'
    std::size_t i = q + 1;
    const bool negate = i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^');
    if (negate) ++i;
    bool hit = false;
    for (bool first = true; i < pattern.size() && (first || pattern[i] != ']'); first = false, ++i) {
      if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
        hit = hit || (pattern[i] <= c && c <= pattern[i + 2]);
        i += 2;
      } else {
        hit = hit || pattern[i] == c;
      }
    }
    q = i + 1;
    return hit != negate;
  };
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
      continue;
    }
    std::size_t q = p;
    const bool ok = p < pattern.size() &&
                    (pattern[p] == '[' ? class_match(q, name[n]) : (q = p + 1, pattern[p] == '?' || pattern[p] == name[n]));
    if (ok) {
      p = q, ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1, n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

inline bool has_wildcard(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

/// The paths matching `pattern`; wildcards may appear in any component (not across a '/').
inline std::vector<std::string> matching_files(const std::string& pattern) {
  namespace fs = std::filesystem;
  const fs::path pat(pattern);
  std::vector<fs::path> current{pat.root_path()};
  std::error_code ec;
  for (const fs::path& part : pat.relative_path()) {
    std::vector<fs::path> next;
    const std::string c = part.string();
    for (const fs::path& dir : current) {
      if (!has_wildcard(c)) {
        if (fs::exists(dir / part, ec)) next.push_back(dir / part);
        continue;
      }
      for (fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec), end; !ec && it != end; it.increment(ec))
        if (glob_match(c, it->path().filename().string())) next.push_back(dir / it->path().filename());
    }
    current.swap(next);
  }
  std::vector<std::string> out;
  for (const auto& p : current)
    if (fs::is_regular_file(p, ec)) out.push_back(p.string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace detail

/// The dataset list_files returns: the sorted matches through a shuffle whose buffer holds all
/// of them (so an unshuffled listing is a shuffle with buffer 1, the identity).
using file_list_dataset = shuffle_dataset<tensor_slices_dataset<std::vector<std::string>>>;

/// The regular files matching the glob `pattern` (tf.data.Dataset.list_files), in name order,
/// or, with `shuffle`, in an order drawn from `seed` anew on each pass.
/// **Errors:** invalid_argument when nothing matches (as TF: "No files matched pattern").
inline file_list_dataset list_files(const std::string& pattern, bool shuffle = true, std::uint64_t seed = 0) {
  std::vector<std::string> files = detail::matching_files(pattern);
  if (files.empty())
    staticflow::detail::fail<invalid_argument>({"staticflow::data::list_files: No files matched pattern: ", pattern});
  const auto buffer = static_cast<std::int64_t>(shuffle ? files.size() : 1);
  return file_list_dataset(from_tensor_slices(std::move(files)), buffer, seed, true);
}

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_LIST_FILES_HPP
