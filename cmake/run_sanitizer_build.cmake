# SPDX-License-Identifier: MIT
# cmake -DSF_ROOT=... -DSF_ID=... -DSF_CXX=... -DSF_DIR=... -P run_sanitizer_build.cmake
# Configures tests/sanitize (the targets of tests/sanitize/${SF_ID}.cmake) with ${SF_CXX} in
# ${SF_DIR} and builds it; the log is printed only when a step fails.
set(jobs $ENV{SF_JOBS})
if(NOT jobs)
  cmake_host_system_information(RESULT jobs QUERY NUMBER_OF_LOGICAL_CORES)
endif()
file(MAKE_DIRECTORY "${SF_DIR}")
set(generator)
find_program(ninja NAMES ninja ninja-build)
if(ninja)
  set(generator -G Ninja)
endif()
if(NOT EXISTS "${SF_DIR}/CMakeCache.txt")
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SF_ROOT}/tests/sanitize" -B "${SF_DIR}" ${generator}
                          -DCMAKE_CXX_COMPILER=${SF_CXX} -DSF_ROOT=${SF_ROOT} -DSF_SANITIZER_BUILD=${SF_ID}
                  OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    file(REMOVE "${SF_DIR}/CMakeCache.txt")
    message(FATAL_ERROR "sanitize_${SF_ID}: configuring tests/sanitize with ${SF_CXX} failed:\n${out}")
  endif()
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${SF_DIR}" -j ${jobs}
                OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "sanitize_${SF_ID}: building failed:\n${out}")
endif()
message(STATUS "sanitize_${SF_ID}: built with ${SF_CXX} in ${SF_DIR}")
