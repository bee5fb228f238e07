# SPDX-License-Identifier: MIT
# Builds and runs a staticflow consumer (tests/package/CMakeLists.txt):
#   MODE=find_package    install BUILD_DIR to a prefix, find_package(staticflow) from it
#   MODE=subdirectory    add_subdirectory(SOURCE_DIR) from a parent project
#   MODE=single_include  compile against single_include/ alone
cmake_minimum_required(VERSION 3.25)

# Runs a command; on failure stops with the step name and the command's output.
function(sf_run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "package test (${MODE}): ${step} failed (${rc}):\n${out}")
  endif()
  set(sf_run_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(package_dir "${SOURCE_DIR}/tests/package")
set(configure_args -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}" -DCMAKE_BUILD_TYPE=Release)

if(MODE STREQUAL "find_package")
  sf_run("install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
  sf_run("configure" "${CMAKE_COMMAND}" -S "${package_dir}/find_package_consumer"
         -B "${WORK_DIR}/build" ${configure_args} "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix")
  sf_run("build" "${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
  set(exe "${WORK_DIR}/build/consumer")
elseif(MODE STREQUAL "subdirectory")
  # CUDA off: the point is the add_subdirectory path, and check_language costs seconds.
  sf_run("configure" "${CMAKE_COMMAND}" -S "${package_dir}/subdirectory_consumer"
         -B "${WORK_DIR}/build" ${configure_args} "-DSTATICFLOW_SOURCE_DIR=${SOURCE_DIR}"
         -DSF_CUDA=OFF)
  sf_run("build" "${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
  set(exe "${WORK_DIR}/build/consumer")
elseif(MODE STREQUAL "single_include")
  set(flags -std=c++20 "-I${SOURCE_DIR}/single_include")
  set(exe "${WORK_DIR}/consumer")
  sf_run("compile" "${CXX}" ${flags} "${package_dir}/consumer_main.cpp" -o "${exe}")
else()
  message(FATAL_ERROR "package test: unknown MODE '${MODE}'")
endif()

sf_run("run" "${exe}")
message("${sf_run_output}")
