// SPDX-License-Identifier: MIT
/// \file
/// \brief `from_arff(file, rows)`: rows of a Weka ARFF file (data/arff.hpp) as a feature batch.
#pragma once
#ifndef STATICFLOW_FEATURES_FROM_ARFF_HPP
#define STATICFLOW_FEATURES_FROM_ARFF_HPP

#include <cstdlib>
#include <string>
#include <vector>

#include "staticflow/data/arff.hpp"
#include "staticflow/features/feature_batch.hpp"

namespace staticflow::features {

/// Rows `rows` of `f` as a feature batch: numeric attributes as numbers (a missing value as
/// `missing_number`), nominal ones as strings ("" when missing), each under its attribute's name.
inline feature_batch from_arff(const data::arff_file& f, const std::vector<std::size_t>& rows,
                                           float missing_number = 0.f) {
  feature_batch b(rows.size());
  for (std::size_t a = 0; a < f.attributes.size(); ++a) {
    if (f.attributes[a].numeric) {
      std::vector<float> v;
      v.reserve(rows.size());
      for (const std::size_t r : rows)
        v.push_back(f.rows[r][a].empty() ? missing_number : static_cast<float>(std::strtod(f.rows[r][a].c_str(), nullptr)));
      b.add(f.attributes[a].name, std::move(v));
    } else {
      std::vector<std::string> v;
      v.reserve(rows.size());
      for (const std::size_t r : rows) v.push_back(f.rows[r][a]);
      b.add(f.attributes[a].name, std::move(v));
    }
  }
  return b;
}

}  // namespace staticflow::features
#endif  // STATICFLOW_FEATURES_FROM_ARFF_HPP
