# SPDX-License-Identifier: MIT
# cmake -DSF_CF_CONFIG=<config.cmake> -DSF_CF_SOURCE=<case.cpp> -P run_compile_fail.cmake
#
# Passes only when <case.cpp> fails to compile with output matching the
# regular expression on each of its `// expect: <regex>` lines (CMake regex syntax)
# and, when it has an `// errors: <n>` line, with exactly n lines that contain
# "error:" (one mistake, one error: no cascade after the first).
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

file(STRINGS "${SF_CF_SOURCE}" errors_lines REGEX "^[ \t]*//[ \t]*errors:")
set(expected_errors "")
if(errors_lines)
  list(GET errors_lines 0 errors_line)
  string(REGEX REPLACE "^[ \t]*//[ \t]*errors:[ \t]*([0-9]+).*" "\\1" expected_errors "${errors_line}")
  if(NOT expected_errors MATCHES "^[0-9]+$")
    message(FATAL_ERROR "compile_fail: ${SF_CF_SOURCE}: write the errors line as '// errors: <n>'")
  endif()
endif()

set(args -std=c++20 -fsyntax-only -fdiagnostics-color=never)
foreach(dir IN LISTS SF_CF_INCLUDE_DIRS)
  list(APPEND args "-I${dir}")
endforeach()
foreach(dir IN LISTS SF_CF_SYSTEM_INCLUDE_DIRS)
  list(APPEND args -isystem "${dir}")
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
if(NOT expected_errors STREQUAL "")
  string(REPLACE ";" "," flat "${output}")  # a ';' in a diagnostic would split the list below
  string(REGEX MATCHALL "[^\n]*error:[^\n]*" error_hits "${flat}")
  list(LENGTH error_hits error_count)
  if(NOT error_count EQUAL expected_errors)
    message(NOTICE "---- compiler output ----\n${output}---- end of compiler output ----")
    message(FATAL_ERROR "compile_fail: ${name} gave ${error_count} error lines; expected ${expected_errors} "
                        "(a follow-on error after the first?)")
  endif()
endif()
message(STATUS "compile_fail: ${name} failed as expected (matched: ${expects})")
