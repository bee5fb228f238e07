// SPDX-License-Identifier: MIT
/// \file
/// \brief Run-time errors, mirroring TensorFlow's error classes.
#pragma once

#include <stdexcept>
#include <string>

namespace staticflow {

/// Base class of every staticflow run-time error; `what()` says what and where.
struct error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// An argument (extent, size, flag) is not acceptable.
struct invalid_argument : error {
  using error::error;
};
/// An index or position lies outside the valid range.
struct out_of_range : error {
  using error::error;
};
/// The system is not in a state the operation needs (e.g. an uninitialised variable).
struct failed_precondition : error {
  using error::error;
};
/// A file or named entity does not exist.
struct not_found : error {
  using error::error;
};
/// A file is truncated or corrupt.
struct data_loss : error {
  using error::error;
};
/// Memory (host or device) ran out, or a configured limit would be exceeded.
struct resource_exhausted : error {
  using error::error;
};
/// An operation is not available in this build (e.g. CUDA without nvcc).
struct unimplemented : error {
  using error::error;
};
/// A device or library call failed (the message names the call and its error string).
struct internal_error : error {
  using error::error;
};

}  // namespace staticflow
