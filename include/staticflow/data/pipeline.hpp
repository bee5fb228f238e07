// SPDX-License-Identifier: MIT
/// \file
/// \brief Datasets in the style of tf.data: sources, stages and iteration (all of data/pipeline/).
///
/// Not to be confused with `staticflow::data::dataset` (data/dataset.hpp), the in-memory image
/// set with TF's `next_batch`, which MNIST loads into. A pipeline over the same data:
/// `from_tensor_slices(images, labels).shuffle(60000, seed).batch(100).prefetch(2)`.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_HPP
#define STATICFLOW_DATA_PIPELINE_HPP

#include "staticflow/data/pipeline/dataset_base.hpp"
#include "staticflow/data/pipeline/iterator.hpp"
#include "staticflow/data/pipeline/range.hpp"
#include "staticflow/data/pipeline/tensor_slices.hpp"
#include "staticflow/data/pipeline/text_line.hpp"
#include "staticflow/data/pipeline/list_files.hpp"
#include "staticflow/data/pipeline/map.hpp"
#include "staticflow/data/pipeline/filter.hpp"
#include "staticflow/data/pipeline/shuffle.hpp"
#include "staticflow/data/pipeline/batch.hpp"
#include "staticflow/data/pipeline/repeat.hpp"
#include "staticflow/data/pipeline/take_skip.hpp"
#include "staticflow/data/pipeline/prefetch.hpp"
#include "staticflow/data/pipeline/interleave.hpp"
#include "staticflow/data/pipeline/zip.hpp"
#include "staticflow/data/pipeline/tfrecord.hpp"

#endif  // STATICFLOW_DATA_PIPELINE_HPP
