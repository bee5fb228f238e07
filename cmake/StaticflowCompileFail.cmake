# SPDX-License-Identifier: MIT
# sf_add_compile_fail_tests(<dir>): one CTest test compile_fail_<stem> per
# <dir>/*.cpp. The test runs the compiler (-fsyntax-only, no try_compile cache)
# through cmake/run_compile_fail.cmake at test time, so editing a case needs no
# reconfigure; adding one does (CONFIGURE_DEPENDS glob re-runs cmake).

set(SF_COMPILE_FAIL_RUNNER "${CMAKE_CURRENT_LIST_DIR}/run_compile_fail.cmake")

# Writes the compiler, flags and include paths once, for every case to read.
function(sf_write_compile_fail_config file)
  set(defines "")
  if(SF_HAVE_ZLIB)
    list(APPEND defines "SF_HAVE_ZLIB=1")
  endif()
  # Eigen's headers, for the cases of include/staticflow/interop/eigen.hpp.
  set(system_dirs "")
  if(TARGET Eigen3::Eigen)
    get_target_property(system_dirs Eigen3::Eigen INTERFACE_INCLUDE_DIRECTORIES)
  endif()
  file(CONFIGURE OUTPUT "${file}" CONTENT [=[
set(SF_CF_COMPILER [[@CMAKE_CXX_COMPILER@]])
set(SF_CF_INCLUDE_DIRS [[@PROJECT_SOURCE_DIR@/include]])
set(SF_CF_SYSTEM_INCLUDE_DIRS [[@system_dirs@]])
set(SF_CF_DEFINES [[@defines@]])
]=] @ONLY)
endfunction()

function(sf_add_compile_fail_tests dir)
  file(GLOB cases CONFIGURE_DEPENDS "${dir}/*.cpp")
  if(NOT cases)
    return()
  endif()
  set(config "${CMAKE_CURRENT_BINARY_DIR}/compile_fail_config.cmake")
  sf_write_compile_fail_config("${config}")
  foreach(source IN LISTS cases)
    get_filename_component(stem "${source}" NAME_WE)
    add_test(NAME compile_fail_${stem}
      COMMAND "${CMAKE_COMMAND}" "-DSF_CF_CONFIG=${config}" "-DSF_CF_SOURCE=${source}"
              -P "${SF_COMPILE_FAIL_RUNNER}")
    set_tests_properties(compile_fail_${stem} PROPERTIES LABELS compile_fail TIMEOUT 300)
  endforeach()
endfunction()
