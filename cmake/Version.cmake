# The version comes from project(); development builds add the git revision.
execute_process(
  COMMAND git describe --always --dirty --abbrev=12
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE TEND_GIT_REVISION
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT TEND_GIT_REVISION)
  set(TEND_GIT_REVISION "unknown")
endif()
configure_file(${CMAKE_SOURCE_DIR}/core/version.h.in
               ${CMAKE_BINARY_DIR}/generated/core/version.h @ONLY)
