// SPDX-License-Identifier: MIT
/// \file
/// \brief The file formats of `staticflow/io/` in one include: CRC32C, the protobuf wire codec,
/// compressed streams, TFRecord files and tf.train.Example with `parse_example`. Kept out of
/// `staticflow.hpp` so that programs that read no such files do not compile them.
#pragma once
#ifndef STATICFLOW_IO_HPP
#define STATICFLOW_IO_HPP

#include "staticflow/io/compression.hpp"
#include "staticflow/io/crc32c.hpp"
#include "staticflow/io/example.hpp"
#include "staticflow/io/parse_example.hpp"
#include "staticflow/io/protobuf.hpp"
#include "staticflow/io/tfrecord.hpp"

#endif  // STATICFLOW_IO_HPP
