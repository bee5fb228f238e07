// SPDX-License-Identifier: MIT
/// \file
/// \brief The threaded input of `staticflow/data/` in one include: tf.data-style pipelines
/// (data/pipeline/, TFRecord files included), TF 1.x queues with `coordinator` and `queue_runner`, input producers and
/// batching queues, MNIST as TFRecord Examples. Kept out of `staticflow.hpp` (which has the in-memory MNIST `dataset`) so
/// that programs feeding preloaded arrays, and every nvcc translation unit, do not compile
/// threads and queues; parsing Examples needs `staticflow/io.hpp`.
#pragma once
#ifndef STATICFLOW_DATA_HPP
#define STATICFLOW_DATA_HPP

#include "staticflow/data/pipeline.hpp"
#include "staticflow/data/coordinator.hpp"
#include "staticflow/data/queue.hpp"
#include "staticflow/data/queue_runner.hpp"
#include "staticflow/data/input_producer.hpp"
#include "staticflow/data/queue_batch.hpp"
#include "staticflow/data/mnist_tfrecord.hpp"

#endif  // STATICFLOW_DATA_HPP
