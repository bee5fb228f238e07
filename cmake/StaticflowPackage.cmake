# SPDX-License-Identifier: MIT
# How staticflow is packaged: optional dependencies, components and the install rules.
#
#   sf_version_from_header(<var> <header>)   the version in config.hpp's STATICFLOW_VERSION_*
#   sf_find_optional(<option> <package> [find_package arguments...])
#                                            find_package() as the tri-state <option> says
#   sf_component(<name> TARGET <target> DEPENDENCIES <find_package arguments>... [HINT <text>])
#                                            one optional component: staticflow::<name>
#   sf_install_package()                     headers, targets, config files and staticflow.pc
#
# A component is an INTERFACE target beside staticflow::staticflow that adds third-party
# libraries (staticflow::image adds libjpeg and libpng). Each one registered by sf_component()
# is installed in an export set of its own (share/cmake/staticflow/staticflow-<name>-targets.cmake)
# and listed in staticflowConfig.cmake with the find_package() calls its targets need, so that
#   find_package(staticflow CONFIG REQUIRED COMPONENTS image)
# finds libjpeg and libpng, defines staticflow::image, and fails with a message naming the
# dependency that is missing. Adding a component is one sf_component() call.

# Reads STATICFLOW_VERSION_MAJOR/MINOR/PATCH from config.hpp: the header is the one place the
# version is written (project(VERSION) and staticflow.pc take it from there).
function(sf_version_from_header out header)
  file(STRINGS "${header}" lines REGEX "^#define STATICFLOW_VERSION_(MAJOR|MINOR|PATCH) +[0-9]+$")
  foreach(part MAJOR MINOR PATCH)
    set(${part} "")
    foreach(line IN LISTS lines)
      if(line MATCHES "^#define STATICFLOW_VERSION_${part} +([0-9]+)$")
        set(${part} "${CMAKE_MATCH_1}")
      endif()
    endforeach()
    if(${part} STREQUAL "")
      message(FATAL_ERROR "staticflow: no '#define STATICFLOW_VERSION_${part} N' in ${header}")
    endif()
  endforeach()
  set(${out} "${MAJOR}.${MINOR}.${PATCH}" PARENT_SCOPE)
endfunction()

# sf_find_optional(<option> <package> [args...]): <option> is AUTO (use <package> when found),
# ON (fail without it) or OFF (never look: <package>_FOUND is FALSE). Package managers pass ON or
# OFF, so a build never depends on what happens to be installed.
macro(sf_find_optional option package)
  string(TOUPPER "${${option}}" _sf_mode)
  if(NOT _sf_mode MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "staticflow: ${option} must be AUTO, ON or OFF, not '${${option}}'")
  endif()
  if(_sf_mode STREQUAL "OFF")
    set(${package}_FOUND FALSE)
  elseif(_sf_mode STREQUAL "ON")
    find_package(${package} ${ARGN} REQUIRED)
  else()
    find_package(${package} ${ARGN})
  endif()
endmacro()

# sf_component(<name> TARGET <target> DEPENDENCIES <args>... [HINT <text>]): staticflow::<name>,
# defined (by the caller) as <target> with EXPORT_NAME <name>. Each DEPENDENCIES entry is the
# argument list of one find_package() call made by the installed config ("PNG",
# "MPI COMPONENTS CXX"); write \${var} for a variable the config must read when it runs. HINT says
# how to get the component when the install lacks it. Call it whether or not <target> exists: an
# install without the target still knows the component and says why it is missing.
function(sf_component name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TARGET;HINT" "DEPENDENCIES")
  if(NOT arg_TARGET)
    message(FATAL_ERROR "sf_component(${name}): TARGET is required")
  endif()
  set_property(GLOBAL APPEND PROPERTY SF_COMPONENTS "${name}")
  set_property(GLOBAL PROPERTY SF_COMPONENT_${name}_TARGET "${arg_TARGET}")
  set_property(GLOBAL PROPERTY SF_COMPONENT_${name}_DEPENDENCIES "${arg_DEPENDENCIES}")
  set_property(GLOBAL PROPERTY SF_COMPONENT_${name}_HINT "${arg_HINT}")
endfunction()

# The installed layout (GNUInstallDirs):
#   include/staticflow/...                        the headers, once
#   ${SF_INSTALL_CMAKEDIR}/staticflowConfig.cmake, staticflowConfigVersion.cmake,
#                          staticflowTargets.cmake, staticflow-<component>-targets.cmake
#   ${SF_INSTALL_PKGCONFIGDIR}/staticflow.pc
# SF_INSTALL_CMAKEDIR defaults to share/cmake/staticflow; vcpkg's port passes share/staticflow.
function(sf_install_package)
  set(cmakedir "${SF_INSTALL_CMAKEDIR}")
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/staticflow" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(TARGETS staticflow EXPORT staticflowTargets)
  install(EXPORT staticflowTargets NAMESPACE staticflow:: FILE staticflowTargets.cmake
          DESTINATION "${cmakedir}")

  # The components' table, written into staticflowConfig.cmake (see staticflowConfig.cmake.in).
  get_property(components GLOBAL PROPERTY SF_COMPONENTS)
  list(JOIN components " " names)
  set(table "set(_staticflow_components ${names})\n")
  foreach(name IN LISTS components)
    get_property(target GLOBAL PROPERTY SF_COMPONENT_${name}_TARGET)
    get_property(dependencies GLOBAL PROPERTY SF_COMPONENT_${name}_DEPENDENCIES)
    get_property(hint GLOBAL PROPERTY SF_COMPONENT_${name}_HINT)
    set(installed FALSE)
    if(TARGET ${target})
      set(installed TRUE)
      install(TARGETS ${target} EXPORT staticflow-${name}-targets)
      install(EXPORT staticflow-${name}-targets NAMESPACE staticflow::
              FILE staticflow-${name}-targets.cmake DESTINATION "${cmakedir}")
    endif()
    string(APPEND table "set(_staticflow_${name}_installed ${installed})\n")
    string(APPEND table "set(_staticflow_${name}_dependencies")
    foreach(dependency IN LISTS dependencies)
      string(APPEND table " [==[${dependency}]==]")
    endforeach()
    string(APPEND table ")\nset(_staticflow_${name}_hint [==[${hint}]==])\n")
  endforeach()
  set(SF_CONFIG_COMPONENT_TABLE "${table}")

  configure_package_config_file(
    "${PROJECT_SOURCE_DIR}/cmake/staticflowConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/staticflowConfig.cmake"
    INSTALL_DESTINATION "${cmakedir}")
  # Header-only: the package fits any architecture (32- or 64-bit consumers).
  write_basic_package_version_file(
    "${PROJECT_BINARY_DIR}/staticflowConfigVersion.cmake"
    COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
  install(FILES "${PROJECT_BINARY_DIR}/staticflowConfig.cmake"
                "${PROJECT_BINARY_DIR}/staticflowConfigVersion.cmake"
          DESTINATION "${cmakedir}")

  # staticflow.pc, for pkg-config users: the include path and the flags the CMake target adds.
  set(pc_cflags "-I\${includedir}")
  set(pc_libs "")
  set(pc_requires "")
  if(SF_HAVE_OPENMP AND OpenMP_CXX_FLAGS)
    string(APPEND pc_cflags " ${OpenMP_CXX_FLAGS}")
    string(APPEND pc_libs " ${OpenMP_CXX_FLAGS}")
  endif()
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    string(APPEND pc_cflags " -fno-math-errno")
  endif()
  if(SF_HAVE_ZLIB)
    string(APPEND pc_cflags " -DSF_HAVE_ZLIB=1")
    set(pc_requires "zlib")
  endif()
  string(STRIP "${pc_libs}" pc_libs)
  file(RELATIVE_PATH pc_to_prefix "/${SF_INSTALL_PKGCONFIGDIR}" "/")
  string(REGEX REPLACE "/$" "" pc_to_prefix "${pc_to_prefix}")
  set(SF_PC_PREFIX "\${pcfiledir}/${pc_to_prefix}")
  set(SF_PC_CFLAGS "${pc_cflags}")
  set(SF_PC_LIBS "${pc_libs}")
  set(SF_PC_REQUIRES "${pc_requires}")
  configure_file("${PROJECT_SOURCE_DIR}/cmake/staticflow.pc.in" "${PROJECT_BINARY_DIR}/staticflow.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/staticflow.pc" DESTINATION "${SF_INSTALL_PKGCONFIGDIR}")
endfunction()
