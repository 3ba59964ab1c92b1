# `cmake --install build/release --prefix P`: the strategy SDK as a CMake package, so a trader's
# own repository builds a strategy library against it (examples/strategy-template/README.md):
#
#   P/include/torghut/{core,sdk}/...         the headers of torghut::core and torghut::sdk
#   P/lib/libtorghut_{core,sdk}.a            position-independent archives (torghut_installable)
#   P/lib/cmake/torghut/torghutConfig*.cmake find_package(torghut 0.1 REQUIRED) -> torghut::sdk
#   P/bin/torghut                            the engine, which loads `library = "path.so"`
#   P/share/torghut/sample.rec, paper.toml   the sample recording and the annotated config
#
# Included once, at the end of the top-level CMakeLists.txt, after every target exists.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TORGHUT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/torghut)
get_property(torghut_installed GLOBAL PROPERTY TORGHUT_INSTALLED_LIBRARIES)

# Every header of core and the SDK: the SDK's headers include core's (config, messages, types,
# fixed point, named enums, URLs), and core's own headers include its detail/.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/engine/core/include/ ${PROJECT_SOURCE_DIR}/sdk/include/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sdk FILES_MATCHING PATTERN "*.hpp")
install(TARGETS ${torghut_installed} EXPORT torghutTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT torghutTargets NAMESPACE torghut:: DESTINATION ${TORGHUT_INSTALL_CMAKEDIR}
        COMPONENT sdk)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/torghutConfig.cmake.in
  ${PROJECT_BINARY_DIR}/torghutConfig.cmake INSTALL_DESTINATION ${TORGHUT_INSTALL_CMAKEDIR})
# 0.x: a new minor version may break strategy libraries (sdk::abi_version says so at load time).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/torghutConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/torghutConfig.cmake ${PROJECT_BINARY_DIR}/torghutConfigVersion.cmake
        DESTINATION ${TORGHUT_INSTALL_CMAKEDIR} COMPONENT sdk)

install(TARGETS torghut RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT engine)
install(FILES ${PROJECT_SOURCE_DIR}/data/sample.rec ${PROJECT_SOURCE_DIR}/config/paper.toml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/torghut COMPONENT engine)
