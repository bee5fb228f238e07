// SPDX-License-Identifier: MIT
/// \file
/// \brief The Catch2 main shared by every test executable, compiled once per flavour.
///
/// The host flavour is Catch2's own main. The GPU flavour (SF_TEST_REQUIRE_GPU,
/// linked into tests/cuda/*.cu) first asks the CUDA runtime for a device and
/// exits with 77, which CTest reports as "skipped", when there is none: a
/// machine without a GPU should not turn CUDA tests red, and Catch2 2.x has no
/// SKIP().
#if defined(SF_TEST_REQUIRE_GPU)

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cuda_runtime_api.h>

#include <cstdio>

namespace {

/// Exit code CTest maps to "skipped" (SKIP_RETURN_CODE in tests/CMakeLists.txt).
constexpr int skip_exit_code = 77;

/// True when at least one CUDA device is usable. Any runtime error (no driver
/// is 35, the stub library 34, no device 100) means "no GPU".
bool cuda_device_available() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    std::printf("SKIPPED: no usable CUDA device (%s: %s)\n", cudaGetErrorName(status),
                cudaGetErrorString(status));
    cudaGetLastError();  // clear the sticky error for anyone who asks later
    return false;
  }
  if (count == 0) {
    std::printf("SKIPPED: the CUDA runtime reports no devices\n");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char* argv[]) {
  if (!cuda_device_available()) return skip_exit_code;
  return Catch::Session().run(argc, argv);
}

#else

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#endif
