# SPDX-License-Identifier: MIT
# Sanitizer builds for the `sanitize` CTest label. Each build is tests/sanitize/ configured as a
# separate CMake project with clang and its own flags, in <build>/sanitize-<id>/, by the test
# sanitize_<id>_build (a fixture the build's other tests require). Its targets are listed in
# tests/sanitize/<id>.cmake; the tests that run them are registered here with
# sf_add_sanitized_test. Adding a build (say tsan for the pipelines): a tests/sanitize/tsan.cmake
# and, in a tests/ CMakeLists, sf_add_sanitizer_build(tsan) plus its sf_add_sanitized_test calls.
#
#   sf_add_sanitizer_build(<id> [NEEDS_LIBFUZZER])
#   sf_add_sanitized_test(<id> <test name> <executable> [args...])  (the executable's name in the build)

# SF_SANITIZE_CXX: the newest clang++ on PATH; with NEEDS_LIBFUZZER, the newest that has
# libFuzzer (Debian: clang-N plus libclang-rt-N-dev; clang-14's is in Debian 12's base set).
function(sf_find_sanitizer_clang out needs_libfuzzer)
  foreach(v IN ITEMS 20 19 18 17 16 15 14 "")
    if(v STREQUAL "")
      set(name clang++)
    else()
      set(name clang++-${v})
    endif()
    find_program(_sf_clang_${v} NAMES ${name})
    if(NOT _sf_clang_${v})
      continue()
    endif()
    if(needs_libfuzzer)
      execute_process(COMMAND ${_sf_clang_${v}} -print-resource-dir OUTPUT_VARIABLE res
                      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
      file(GLOB fuzzer_lib "${res}/lib/linux/libclang_rt.fuzzer-*.a" "${res}/lib/*/libclang_rt.fuzzer.a")
      if(NOT rc EQUAL 0 OR NOT fuzzer_lib)
        continue()
      endif()
    endif()
    set(${out} "${_sf_clang_${v}}" PARENT_SCOPE)
    return()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()

function(sf_add_sanitizer_build id)
  cmake_parse_arguments(arg "NEEDS_LIBFUZZER" "" "" ${ARGN})
  sf_find_sanitizer_clang(cxx ${arg_NEEDS_LIBFUZZER})
  set(dir "${CMAKE_BINARY_DIR}/sanitize-${id}")
  set_property(GLOBAL PROPERTY SF_SANITIZE_${id}_DIR "${dir}")
  set_property(GLOBAL PROPERTY SF_SANITIZE_${id}_CXX "${cxx}")
  if(NOT cxx)
    set(why "no clang++ found")
    if(arg_NEEDS_LIBFUZZER)
      set(why "no clang++ with libFuzzer found (Debian: clang-14 libclang-rt-14-dev; scripts/deps installs them)")
    endif()
    message(STATUS "staticflow: sanitize_${id}: ${why}; its tests will report 'skipped'")
    add_test(NAME sanitize_${id}_build COMMAND sh -c "echo 'sanitize_${id}: ${why}'; exit 77")
    set_tests_properties(sanitize_${id}_build PROPERTIES LABELS sanitize SKIP_RETURN_CODE 77)
    return()
  endif()
  add_test(NAME sanitize_${id}_build
           COMMAND "${CMAKE_COMMAND}" -DSF_ROOT=${PROJECT_SOURCE_DIR} -DSF_ID=${id} -DSF_CXX=${cxx}
                   -DSF_DIR=${dir} -P "${PROJECT_SOURCE_DIR}/cmake/run_sanitizer_build.cmake")
  set_tests_properties(sanitize_${id}_build PROPERTIES LABELS sanitize FIXTURES_SETUP sanitize_${id} TIMEOUT 900)
endfunction()

function(sf_add_sanitized_test id name exe)
  get_property(dir GLOBAL PROPERTY SF_SANITIZE_${id}_DIR)
  get_property(cxx GLOBAL PROPERTY SF_SANITIZE_${id}_CXX)
  if(NOT cxx)
    return()  # sanitize_<id>_build says why
  endif()
  add_test(NAME ${name} COMMAND "${dir}/${exe}" ${ARGN})
  # halt_on_error + abort: a report fails the test; leaks are reported too.
  set_tests_properties(${name} PROPERTIES LABELS sanitize FIXTURES_REQUIRED sanitize_${id} TIMEOUT 300
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endfunction()
