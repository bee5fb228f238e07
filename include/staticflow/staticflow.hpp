// SPDX-License-Identifier: MIT
/// \file
/// \brief The host umbrella: everything except the CUDA kernels (see staticflow/cuda.hpp).
#pragma once

#include "staticflow/config.hpp"
#include "staticflow/core/device.hpp"
#include "staticflow/core/dtype.hpp"
#include "staticflow/core/error.hpp"
#include "staticflow/core/philox.hpp"
#include "staticflow/core/print.hpp"
#include "staticflow/core/random.hpp"
#include "staticflow/core/shape.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/ops/elementwise.hpp"
#include "staticflow/expr/node.hpp"
#include "staticflow/expr/elementwise.hpp"
#include "staticflow/expr/evaluator.hpp"
#include "staticflow/expr/matmul.hpp"
#include "staticflow/expr/reduce.hpp"
#include "staticflow/expr/assign.hpp"
#include "staticflow/expr/factories.hpp"
#include "staticflow/device/host/executor.hpp"
