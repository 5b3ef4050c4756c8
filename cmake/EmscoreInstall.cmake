include(CMakePackageConfigHelpers)
install(TARGETS emscore_warnings EXPORT emscoreTargets)
install(EXPORT emscoreTargets NAMESPACE emscore:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/emscore)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/emscoreConfig.cmake.in
  ${PROJECT_BINARY_DIR}/emscoreConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/emscore)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/emscoreConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/emscoreConfig.cmake ${PROJECT_BINARY_DIR}/emscoreConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/emscore)
