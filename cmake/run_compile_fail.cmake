# SPDX-License-Identifier: MIT
# cmake -DSF_CF_CONFIG=<config.cmake> -DSF_CF_SOURCE=<case.cpp> -P run_compile_fail.cmake
#
# Passes only when <case.cpp> fails to compile with output matching the
# regular expression on each of its `// expect: <regex>` lines (CMake regex syntax).
cmake_minimum_required(VERSION 3.25)

if(NOT SF_CF_CONFIG OR NOT SF_CF_SOURCE)
  message(FATAL_ERROR "usage: cmake -DSF_CF_CONFIG=... -DSF_CF_SOURCE=... -P run_compile_fail.cmake")
endif()
include("${SF_CF_CONFIG}")

file(STRINGS "${SF_CF_SOURCE}" expect_lines REGEX "^[ \t]*//[ \t]*expect:")
if(NOT expect_lines)
  message(FATAL_ERROR "compile_fail: ${SF_CF_SOURCE} has no '// expect: <regex>' line; "
                      "put one on its first line")
endif()
# Every expect line must match (several: the message, and where it points, e.g. the layer's
# position and shapes in the instantiation note that precedes it).
set(expects "")
foreach(expect_line IN LISTS expect_lines)
  string(REGEX REPLACE "^[ \t]*//[ \t]*expect:[ \t]*" "" expect "${expect_line}")
  string(STRIP "${expect}" expect)
  if(expect STREQUAL "")
    message(FATAL_ERROR "compile_fail: ${SF_CF_SOURCE}: an expect line is empty")
  endif()
  list(APPEND expects "${expect}")
endforeach()

set(args -std=c++20 -fsyntax-only -fdiagnostics-color=never)
foreach(dir IN LISTS SF_CF_INCLUDE_DIRS)
  list(APPEND args "-I${dir}")
endforeach()
foreach(def IN LISTS SF_CF_DEFINES)
  list(APPEND args "-D${def}")
endforeach()

# LC_ALL=C: ASCII quotes in diagnostics, so expectations need no Unicode.
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env LC_ALL=C "${SF_CF_COMPILER}" ${args} "${SF_CF_SOURCE}"
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)

get_filename_component(name "${SF_CF_SOURCE}" NAME)
if(rc EQUAL 0)
  message(FATAL_ERROR "compile_fail: ${name} compiled unexpectedly; it should fail "
                      "with a diagnostic matching: ${expect}")
endif()
foreach(expect IN LISTS expects)
  if(NOT output MATCHES "${expect}")
    # The output goes out verbatim: FATAL_ERROR would re-wrap the diagnostics.
    message(NOTICE "---- compiler output ----\n${output}---- end of compiler output ----")
    message(FATAL_ERROR "compile_fail: ${name} failed with a different message; "
                        "expected a match for: ${expect}")
  endif()
endforeach()
message(STATUS "compile_fail: ${name} failed as expected (matched: ${expects})")
