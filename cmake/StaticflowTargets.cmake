# SPDX-License-Identifier: MIT
# Build flags for staticflow's own executables (tests, examples, benchmarks).
# They are never put on the exported library target: consumers pick theirs.
include(CheckCXXCompilerFlag)

# -march=x86-64-v3 (AVX2+FMA) is the portable default from TOOLCHAIN.md, used
# only when the compiler knows it and the build machine can run it; a SIGILL in
# every test is a worse failure than slower tests.
function(sf_detect_test_arch_flags out)
  set(flags "")
  check_cxx_compiler_flag("-march=x86-64-v3" SF_COMPILER_HAS_X86_64_V3)
  if(SF_COMPILER_HAS_X86_64_V3 AND EXISTS "/proc/cpuinfo" AND NOT CMAKE_CROSSCOMPILING)
    file(READ "/proc/cpuinfo" cpuinfo LIMIT 8192)
    if(cpuinfo MATCHES " avx2 " AND cpuinfo MATCHES " fma " AND cpuinfo MATCHES " bmi2 ")
      set(flags "-march=x86-64-v3")
    endif()
  endif()
  set(${out} "${flags}" PARENT_SCOPE)
endfunction()

if(NOT DEFINED SF_TEST_ARCH_FLAGS)
  sf_detect_test_arch_flags(_sf_arch)
  set(SF_TEST_ARCH_FLAGS "${_sf_arch}" CACHE STRING
      "Architecture flags for tests and examples (empty: compiler default)")
endif()

set(SF_WARNING_FLAGS -Wall -Wextra)

# sf_target_defaults(<target> [BENCHMARK]): warnings plus optimisation flags.
# Only the CXX language gets them; nvcc has its own flags on staticflow::cuda.
function(sf_target_defaults target)
  cmake_parse_arguments(arg "BENCHMARK" "" "" ${ARGN})
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    set(opts ${SF_WARNING_FLAGS})
    if(arg_BENCHMARK)
      # -march=native on AVX-512 makes g++ 12 warn from its own intrinsics.
      list(APPEND opts -O3 -march=native -Wno-maybe-uninitialized)
    else()
      list(APPEND opts -O2 ${SF_TEST_ARCH_FLAGS})
    endif()
    list(TRANSFORM opts PREPEND "$<$<COMPILE_LANGUAGE:CXX>:")
    list(TRANSFORM opts APPEND ">")
    target_compile_options(${target} PRIVATE ${opts})
  endif()
endfunction()
