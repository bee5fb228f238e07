# SPDX-License-Identifier: MIT
# cmake -DCOMMAND=<list> -DEXPECT=<regex> -P expect_failure.cmake: runs COMMAND, which must
# exit with a non-zero status and print (stdout or stderr) a line matching EXPECT.
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 50)
message("${out}${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "expected a failure, got exit status 0")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "expected output matching '${EXPECT}' (exit status ${rc})")
endif()
message("failed as expected (exit status ${rc})")
