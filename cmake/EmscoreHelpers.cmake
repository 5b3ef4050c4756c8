include_guard(GLOBAL)
include(GNUInstallDirs)
include(GoogleTest)

# Warnings for the project's own code.
add_library(emscore_warnings INTERFACE)
target_compile_options(emscore_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wconversion -Wno-sign-conversion
  $<$<BOOL:${EMSCORE_WERROR}>:-Werror>)

# emscore_add_module(<name> [CODEC] [SOURCES ...] [DEPS ...] [PRIVATE_DEPS ...])
#
# Declares the library target emscore_<name> (alias emscore::<name>) with the public headers
# in include/emscore/<name>/. A CODEC module is a sans-I/O layer: it is compiled a second
# time as an object library with -fno-exceptions -fno-rtti (sources plus a translation unit
# that includes every public header), which proves that it can be taken to bare metal.
function(emscore_add_module name)
  cmake_parse_arguments(ARG "CODEC" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(tgt emscore_${name})
  if(ARG_SOURCES)
    add_library(${tgt} STATIC ${ARG_SOURCES})
    set(scope PUBLIC)
  else()
    add_library(${tgt} INTERFACE)
    set(scope INTERFACE)
  endif()
  add_library(emscore::${name} ALIAS ${tgt})
  set_target_properties(${tgt} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME emscore_${name})
  target_include_directories(${tgt} ${scope}
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${tgt} ${scope} cxx_std_20)
  if(ARG_DEPS)
    target_link_libraries(${tgt} ${scope} ${ARG_DEPS})
  endif()
  if(ARG_SOURCES)
    target_link_libraries(${tgt} PRIVATE $<BUILD_INTERFACE:emscore_warnings> ${ARG_PRIVATE_DEPS})
  endif()
  install(TARGETS ${tgt} EXPORT emscoreTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  if(EXISTS ${PROJECT_SOURCE_DIR}/include/emscore/${name})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/emscore/${name}
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/emscore)
  endif()

  if(ARG_CODEC AND EMSCORE_NOEXCEPT_CHECK)
    file(GLOB headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/emscore/${name}/*.hpp)
    set(all_headers_tu ${CMAKE_CURRENT_BINARY_DIR}/noexcept_${name}_headers.cpp)
    set(content "// Generated: every public header of emscore::${name}.\n")
    foreach(h IN LISTS headers)
      string(APPEND content "#include \"${h}\"\n")
    endforeach()
    file(CONFIGURE OUTPUT ${all_headers_tu} CONTENT "${content}")
    add_library(${tgt}_noexcept OBJECT ${ARG_SOURCES} ${all_headers_tu})
    target_include_directories(${tgt}_noexcept PRIVATE ${PROJECT_SOURCE_DIR}/include)
    target_compile_options(${tgt}_noexcept PRIVATE -fno-exceptions -fno-rtti)
    target_compile_definitions(${tgt}_noexcept PRIVATE BOOST_NO_EXCEPTIONS BOOST_NO_RTTI
                               BOOST_NO_TYPEID BOOST_SPIRIT_X3_NO_RTTI EMSCORE_NOEXCEPT_BUILD=1)
    target_link_libraries(${tgt}_noexcept PRIVATE ${ARG_DEPS} ${ARG_PRIVATE_DEPS})
    target_link_libraries(${tgt}_noexcept PRIVATE emscore_warnings)
  endif()
  set_property(GLOBAL APPEND PROPERTY EMSCORE_BUILT_MODULES ${name})
endfunction()

# emscore_add_test(<module> <file.cpp> [LIBS ...] [LABELS ...])
# One test executable per test file (one test file per header); registered with ctest
# through gtest_discover_tests so that every TEST is a ctest case.
function(emscore_add_test module file)
  cmake_parse_arguments(ARG "" "" "LIBS;LABELS" ${ARGN})
  get_filename_component(stem ${file} NAME_WE)
  set(tgt test_${module}_${stem})
  add_executable(${tgt} ${file})
  target_link_libraries(${tgt} PRIVATE emscore::${module} ${ARG_LIBS} GTest::gtest GTest::gtest_main
                        GTest::gmock emscore_warnings)
  target_compile_definitions(${tgt} PRIVATE
    EMSCORE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    EMSCORE_VECTORS_DIR="${PROJECT_SOURCE_DIR}/tests/vectors")
  # gtest_discover_tests writes a property value unquoted, so a label list ("mod;interop")
  # would be split and its second element read as a property name (losing the label and the
  # TIMEOUT after it). One label that carries every name works with ctest's regex filters:
  # "dsmr_io/interop" matches both -L dsmr_io and -LE interop.
  string(REPLACE ";" "/" labels "${module};${ARG_LABELS}")
  string(REGEX REPLACE "/$" "" labels "${labels}")
  gtest_discover_tests(${tgt} DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${labels}" TIMEOUT 300)
endfunction()

# emscore_add_fuzz(<name> <file.cpp> LIBS ...)
function(emscore_add_fuzz name file)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  add_executable(fuzz_${name} ${file})
  target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_${name} PRIVATE ${ARG_LIBS})
endfunction()

# emscore_add_bench(<name> <file.cpp> LIBS ...)
function(emscore_add_bench name file)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  add_executable(bench_${name} ${file})
  target_link_libraries(bench_${name} PRIVATE ${ARG_LIBS} benchmark::benchmark emscore_warnings)
  target_compile_definitions(bench_${name} PRIVATE
    EMSCORE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    EMSCORE_VECTORS_DIR="${PROJECT_SOURCE_DIR}/tests/vectors")
endfunction()
