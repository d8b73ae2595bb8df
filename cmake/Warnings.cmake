# Warnings for the project's own targets (not for generated protobuf code).
add_library(hoptrace_warnings INTERFACE)
target_compile_options(hoptrace_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
  -Wimplicit-fallthrough
  # GCC 12 warns on designated initializers that leave defaulted members out (GCC bug 96868).
  -Wno-missing-field-initializers)
if(HOPTRACE_WERROR)
  target_compile_options(hoptrace_warnings INTERFACE -Werror)
endif()

if(HOPTRACE_SANITIZE)
  # With sanitizer instrumentation GCC 12 reports maybe-uninitialized inside libstdc++ (std::regex,
  # std::function) where nothing is uninitialized; the release build keeps the warning.
  target_compile_options(hoptrace_warnings INTERFACE -Wno-maybe-uninitialized)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# hoptrace_add_test(name SOURCES ... LIBS ...): one GoogleTest binary registered with CTest.
function(hoptrace_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main GTest::gmock hoptrace_warnings)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT ${ARG_TIMEOUT})
endfunction()
