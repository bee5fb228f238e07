# SPDX-License-Identifier: MIT
# sf_setup_cuda(): resolves SF_CUDA (AUTO|ON|OFF), enables the CUDA language
# and defines staticflow_cuda / staticflow::cuda. Sets SF_CUDA_ENABLED.

# CMake 3.25 does not know nvcc's C++20 flag (TOOLCHAIN.md); without these the
# .cu files silently compile as C++17. Must run before enable_language(CUDA).
macro(sf_cuda_std20_flags)
  if(NOT DEFINED CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
  endif()
  if(NOT DEFINED CMAKE_CUDA20_EXTENSION_COMPILE_OPTION)
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  endif()
endmacro()

# Where the toolkit keeps CCCL's package config (CUDA 13: lib64/cmake/cccl).
function(sf_find_cccl)
  find_package(CCCL CONFIG QUIET
    HINTS "${CUDAToolkit_LIBRARY_DIR}/cmake/cccl"
          "${CUDAToolkit_LIBRARY_ROOT}/lib64/cmake/cccl"
          "${CUDAToolkit_LIBRARY_ROOT}/lib/cmake/cccl"
          "${CUDAToolkit_TARGET_DIR}/lib64/cmake/cccl"
          "${CUDAToolkit_TARGET_DIR}/lib/cmake/cccl"
    NO_DEFAULT_PATH)   # never Debian's libthrust-dev 1.17
  if(NOT CCCL_FOUND)
    message(FATAL_ERROR "staticflow: CUDA is on but the toolkit's CCCL "
      "(lib/cmake/cccl under ${CUDAToolkit_LIBRARY_ROOT}) was not found.")
  endif()
endfunction()

function(sf_add_cuda_target)
  find_package(CUDAToolkit REQUIRED)
  sf_find_cccl()
  add_library(staticflow_cuda INTERFACE)
  add_library(staticflow::cuda ALIAS staticflow_cuda)
  set_target_properties(staticflow_cuda PROPERTIES EXPORT_NAME cuda)
  target_link_libraries(staticflow_cuda INTERFACE staticflow CUDA::cudart CUDA::cublas CUDA::cublasLt)
  if(TARGET CCCL::CCCL)
    target_link_libraries(staticflow_cuda INTERFACE CCCL::CCCL)
  else()
    target_link_libraries(staticflow_cuda INTERFACE CCCL::Thrust CCCL::CUB)
  endif()
  target_compile_definitions(staticflow_cuda INTERFACE SF_WITH_CUDA=1)
  # C++20 for .cu files. CMake 3.25 cannot express cuda_std_20 for nvcc unless
  # the consumer set CMAKE_CUDA20_STANDARD_COMPILE_OPTION before
  # enable_language(CUDA), so the flag is given directly to targets that did not
  # choose a CUDA_STANDARD themselves.
  target_compile_options(staticflow_cuda INTERFACE
    "$<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<NOT:$<BOOL:$<TARGET_PROPERTY:CUDA_STANDARD>>>>:-std=c++20>")
  # relaxed-constexpr: std:: constexpr helpers in device code; 20012 is the
  # note that __device__ is ignored on a defaulted member; 186 is "pointless comparison"
  # of an unsigned index in loops over rank-0 shapes; extended-lambda for
  # __device__ lambdas passed to Thrust.
  target_compile_options(staticflow_cuda INTERFACE
    "$<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr>"
    "$<$<COMPILE_LANGUAGE:CUDA>:-diag-suppress=20012,186>"
    "$<$<COMPILE_LANGUAGE:CUDA>:--extended-lambda>")
endfunction()

macro(sf_setup_cuda)
  string(TOUPPER "${SF_CUDA}" _sf_cuda_mode)
  if(NOT _sf_cuda_mode MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "staticflow: SF_CUDA must be AUTO, ON or OFF, not '${SF_CUDA}'")
  endif()
  set(SF_CUDA_ENABLED OFF)
  if(NOT _sf_cuda_mode STREQUAL "OFF")
    include(CheckLanguage)
    check_language(CUDA)
    if(CMAKE_CUDA_COMPILER)
      set(SF_CUDA_ENABLED ON)
    elseif(_sf_cuda_mode STREQUAL "ON")
      message(FATAL_ERROR "staticflow: SF_CUDA=ON but no CUDA compiler was found; "
        "pass -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc or use SF_CUDA=AUTO/OFF")
    endif()
  endif()
  if(SF_CUDA_ENABLED)
    sf_cuda_std20_flags()
    # Never "native": configuring on a GPU-less machine would fail.
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES OR CMAKE_CUDA_ARCHITECTURES STREQUAL "")
      set(CMAKE_CUDA_ARCHITECTURES "80;90" CACHE STRING "CUDA architectures")
    endif()
    # The project's own CUDA programs (tests, the CUDA trainer and benchmarks) build for one
    # architecture: two would double CI's nvcc time. 90 for an H100/H200 run (scripts/gpu-check).
    set(SF_CUDA_PROGRAM_ARCHITECTURES "80" CACHE STRING "CUDA architecture of the tests, examples and benchmarks")
    enable_language(CUDA)
    sf_add_cuda_target()
    message(STATUS "staticflow: CUDA on (${CMAKE_CUDA_COMPILER}, architectures ${CMAKE_CUDA_ARCHITECTURES})")
  else()
    message(STATUS "staticflow: CUDA off (SF_CUDA=${SF_CUDA})")
  endif()
endmacro()
