// SPDX-License-Identifier: MIT
/// \file
/// \brief The threaded input of `staticflow/data/` in one include: tf.data-style pipelines
/// (data/pipeline/), TF 1.x queues with `coordinator` and `queue_runner`, input producers and
/// batching queues. Kept out of `staticflow.hpp` (which has the in-memory MNIST `dataset`) so
/// that programs feeding preloaded arrays, and every nvcc translation unit, do not compile
/// threads and queues; a pipeline over TFRecord files also needs `staticflow/io.hpp`.
#pragma once
#ifndef STATICFLOW_DATA_HPP
#define STATICFLOW_DATA_HPP

#include "staticflow/data/pipeline.hpp"
#include "staticflow/data/coordinator.hpp"
#include "staticflow/data/queue.hpp"
#include "staticflow/data/queue_runner.hpp"
#include "staticflow/data/input_producer.hpp"
#include "staticflow/data/queue_batch.hpp"

#endif  // STATICFLOW_DATA_HPP
