# SPDX-License-Identifier: MIT
# The asan build: ASan + UBSan, every report fatal. The libFuzzer targets tests/fuzz/fuzz_*.cpp
# and the io unit tests named in SF_ASAN_UNIT_TESTS (the readers of outside bytes; the Example
# code is covered by fuzz_example). Registered by tests/fuzz/CMakeLists.txt.
set(SF_ASAN_UNIT_TESTS io/protobuf_test io/tfrecord_test io/table_test io/tensor_bundle_test io/file_test io/crc32c_test
    io/onnx_test)
set(sf_asan_flags -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1)

file(GLOB sf_fuzz_sources CONFIGURE_DEPENDS "${SF_ROOT}/tests/fuzz/fuzz_*.cpp")
foreach(source IN LISTS sf_fuzz_sources)
  get_filename_component(stem "${source}" NAME_WE)
  add_executable(${stem} "${source}")
  target_link_libraries(${stem} PRIVATE sf_headers)
  target_compile_options(${stem} PRIVATE -fsanitize=fuzzer ${sf_asan_flags})
  target_link_options(${stem} PRIVATE -fsanitize=fuzzer ${sf_asan_flags})
endforeach()

# The image codecs' targets link libjpeg and libpng (as staticflow::image does).
find_package(JPEG REQUIRED)
find_package(PNG REQUIRED)
target_link_libraries(fuzz_jpeg PRIVATE JPEG::JPEG)
target_link_libraries(fuzz_png PRIVATE PNG::PNG)

find_package(Catch2 2 REQUIRED)
# Catch2's main is not what is under test: built without sanitizers at -O0 it takes a few
# seconds instead of two minutes (it links with instrumented code as it is).
add_library(sf_asan_catch_main OBJECT "${SF_ROOT}/tests/main.cpp")
target_link_libraries(sf_asan_catch_main PUBLIC Catch2::Catch2)
target_compile_options(sf_asan_catch_main PRIVATE -O0)
foreach(test IN LISTS SF_ASAN_UNIT_TESTS)
  string(REPLACE "/" "_" name "unit_${test}")
  add_executable(${name} "${SF_ROOT}/tests/unit/${test}.cpp")
  target_link_libraries(${name} PRIVATE sf_asan_catch_main sf_headers)
  target_include_directories(${name} PRIVATE "${SF_ROOT}/tests")  # the tests' shared helpers
  target_compile_options(${name} PRIVATE ${sf_asan_flags})
  target_link_options(${name} PRIVATE ${sf_asan_flags})
endforeach()
