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
