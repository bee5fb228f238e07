// SPDX-License-Identifier: MIT
/// \file
/// \brief Feature columns (TF 1.x's `tf.feature_column`): turning parsed features (CSV records,
/// tf.train.Example values) into a network's dense input. Not in `staticflow.hpp`.
#pragma once
#ifndef STATICFLOW_FEATURES_HPP
#define STATICFLOW_FEATURES_HPP

#include "staticflow/features/categorical_column.hpp"
#include "staticflow/features/crossed_column.hpp"
#include "staticflow/features/embedding_column.hpp"
#include "staticflow/features/feature_batch.hpp"
#include "staticflow/features/fingerprint.hpp"
#include "staticflow/features/from_arff.hpp"
#include "staticflow/features/from_examples.hpp"
#include "staticflow/features/input_layer.hpp"
#include "staticflow/features/numeric_column.hpp"

#endif  // STATICFLOW_FEATURES_HPP
