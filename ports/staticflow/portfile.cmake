# staticflow is header-only: one (release) configuration, nothing under debug/.
set(VCPKG_BUILD_TYPE release)

if(DEFINED ENV{STATICFLOW_SOURCE_DIR})
    # A local checkout instead of a release (tests/package/consume.sh, way vcpkg, passes it with
    # VCPKG_KEEP_ENV_VARS=STATICFLOW_SOURCE_DIR). Remove this branch when submitting the port.
    set(SOURCE_PATH "$ENV{STATICFLOW_SOURCE_DIR}")
else()
    vcpkg_from_github(
        OUT_SOURCE_PATH SOURCE_PATH
        REPO staticflow/staticflow
        REF "v${VERSION}"
        SHA512 0
        HEAD_REF main
    )
endif()

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
    FEATURES
        cuda    SF_CUDA
        image   SF_IMAGE
        mpi     SF_MPI
        zlib    SF_ZLIB
)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DSF_BUILD_TESTS=OFF
        -DSF_BUILD_EXAMPLES=OFF
        -DSF_BUILD_BENCHMARKS=OFF
        -DSF_BUILD_TOOLS=OFF
        -DSF_INSTALL_CMAKEDIR=share/staticflow
        ${FEATURE_OPTIONS}
    MAYBE_UNUSED_VARIABLES
        SF_MPI
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup()
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
