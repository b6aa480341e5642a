# The files that make an installed grams usable from other projects:
#   <libdir>/cmake/grams/gramsConfig.cmake, gramsConfigVersion.cmake and the
#     exported targets (find_package(grams): grams::grams, and with the
#     component "static", grams::grams_static);
#   <libdir>/pkgconfig/grams.pc (pkg-config grams);
#   <datadir>/doc/grams/LICENSE.
# All of them are relocatable: they find the prefix from where they lie, so
# `cmake --install build --prefix P` gives a working tree at any P.
include(CMakePackageConfigHelpers)

set(GRAMS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/grams)
install(EXPORT gramsTargets NAMESPACE grams:: DESTINATION ${GRAMS_CMAKE_DIR})
install(EXPORT gramsStaticTargets NAMESPACE grams:: DESTINATION ${GRAMS_CMAKE_DIR})
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/gramsConfig.cmake.in
  ${PROJECT_BINARY_DIR}/gramsConfig.cmake
  INSTALL_DESTINATION ${GRAMS_CMAKE_DIR}
  NO_SET_AND_CHECK_MACRO)
# Before 1.0 a minor version may change the API: 0.1 accepts only 0.1.x.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(grams_compatibility SameMinorVersion)
else()
  set(grams_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/gramsConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY ${grams_compatibility})
install(FILES
  ${PROJECT_BINARY_DIR}/gramsConfig.cmake
  ${PROJECT_BINARY_DIR}/gramsConfigVersion.cmake
  DESTINATION ${GRAMS_CMAKE_DIR})

# grams.pc: the prefix is ${pcfiledir} up as many levels as <libdir>/pkgconfig
# has; absolute install directories are written as they are.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(GRAMS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(GRAMS_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH up "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  set(GRAMS_PC_PREFIX "\${pcfiledir}/${up}")
  set(GRAMS_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(GRAMS_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(GRAMS_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/grams.pc.in ${PROJECT_BINARY_DIR}/grams.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/grams.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
