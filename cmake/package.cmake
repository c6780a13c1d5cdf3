# Installing onc: the libraries, the headers, the onc command, onc.pc for pkg-config and the
# CMake package (find_package(onc 0.1)), all relocatable: each finds the others from where it
# is, whatever --prefix `cmake --install` was given.
include(CMakePackageConfigHelpers)

set_target_properties(onc PROPERTIES EXPORT_NAME cli)
install(TARGETS onc_static onc_shared onc EXPORT oncTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/onc DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(ONC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/onc)
install(EXPORT oncTargets NAMESPACE onc:: DESTINATION ${ONC_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/onc-config.cmake.in
  ${PROJECT_BINARY_DIR}/onc-config.cmake INSTALL_DESTINATION ${ONC_CMAKE_DIR})
# 0.x: a new minor version may change the API
write_basic_package_version_file(${PROJECT_BINARY_DIR}/onc-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/onc-config.cmake ${PROJECT_BINARY_DIR}/onc-config-version.cmake
  ${CMAKE_CURRENT_LIST_DIR}/onc-generate.cmake DESTINATION ${ONC_CMAKE_DIR})

# onc.pc names its prefix from where it lies (pkg-config's ${pcfiledir}).
file(RELATIVE_PATH ONC_PC_PREFIX /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
configure_file(${PROJECT_SOURCE_DIR}/lib/onc.pc.in ${PROJECT_BINARY_DIR}/onc.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/onc.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
