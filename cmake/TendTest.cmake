# tend_test(NAME LABEL SOURCES... LIBS...) builds one doctest binary and
# registers it with ctest under the given label (unit or lab).
function(tend_test name label)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES} $<TARGET_OBJECTS:tend_doctest_main>)
  target_link_libraries(${name} PRIVATE ${T_LIBS} doctest::doctest)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS ${label}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    ENVIRONMENT "TEND_SOURCE_DIR=${CMAKE_SOURCE_DIR};TEND_BINARY_DIR=${CMAKE_BINARY_DIR}")
endfunction()

# tend_lab_test(NAME SOURCES... [LIBS...] [TIMEOUT seconds]) builds a lab test:
# it drives the built `tend` and `tend-agent` against real lab hosts (with
# tests/support/lab_shell.h), one lab test at a time.
function(tend_lab_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 900)
  endif()
  tend_test(${name} lab SOURCES ${T_SOURCES} LIBS tend_core fmt::fmt-header-only ${T_LIBS})
  add_dependencies(${name} tend tend-agent)
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} RUN_SERIAL TRUE)
endfunction()
