# torghut_library(<name> [INTERFACE] [ASIO] [SOURCES <file>...] [PUBLIC <dep>...] [PRIVATE <dep>...])
#
# Declares one of torghut's library targets, the same way for every folder: a static library
# `torghut_<name>` (or a header-only INTERFACE library) with the alias `torghut::<name>`, its
# public headers in `<folder>/include` (the build tree's; cmake/TorghutInstall.cmake installs
# the SDK's), the project's strict warnings, and its dependencies in
# plain sight. PUBLIC dependencies are what the target's public headers name; PRIVATE ones stay
# inside it. ASIO marks a target with a Beast/Asio translation unit: GCC 12 reports
# -Wnull-dereference inside inlined Asio code at -O3 (system headers, false positives), so that
# one warning is off for it; every other strict warning stays.
#
# Every library is recorded (global property TORGHUT_LIBRARIES, and the layering manifest that
# scripts/check-layers.py reads), so the layering check sees each target's dependencies.
function(torghut_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "INTERFACE;ASIO" "" "SOURCES;PUBLIC;PRIVATE")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "torghut_library(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  set(target torghut_${name})
  if(arg_INTERFACE)
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)
    target_link_libraries(${target} INTERFACE ${arg_PUBLIC} ${arg_PRIVATE})
  else()
    add_library(${target} ${arg_SOURCES})
    target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)
    target_link_libraries(${target} PUBLIC ${arg_PUBLIC} PRIVATE ${arg_PRIVATE})
    torghut_set_warnings(${target})
    if(arg_ASIO)
      target_compile_options(${target} PRIVATE -Wno-null-dereference)
    endif()
  endif()
  add_library(torghut::${name} ALIAS ${target})
  file(RELATIVE_PATH folder ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  set_property(GLOBAL APPEND PROPERTY TORGHUT_LIBRARIES ${name})
  string(REPLACE ";" "," deps "${arg_PUBLIC};${arg_PRIVATE}")
  set_property(GLOBAL APPEND PROPERTY TORGHUT_LAYER_MANIFEST "${name}\t${folder}\t${deps}")
endfunction()

# Writes build/<preset>/torghut_layers.tsv: one line per library (name, folder, dependencies),
# what scripts/check-layers.py checks the link rules against. Called once, at the end of the
# top-level CMakeLists.txt.
function(torghut_write_layer_manifest)
  get_property(lines GLOBAL PROPERTY TORGHUT_LAYER_MANIFEST)
  list(JOIN lines "\n" text)
  file(WRITE ${PROJECT_BINARY_DIR}/torghut_layers.tsv "${text}\n")
endfunction()

# torghut_installable(<name>): marks library `torghut_<name>` as part of the installed SDK package
# (cmake/TorghutInstall.cmake exports it as `torghut::<name>`). A trader's strategy is a shared
# library that links the archive, so it is position-independent; -fno-semantic-interposition lets
# the compiler still inline and call directly within it, as it does in the engine's PIE build
# (docs/PERFORMANCE.md). C++20 is part of its interface, so a consumer compiles with it too.
function(torghut_installable name)
  set(target torghut_${name})
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON EXPORT_NAME ${name})
  target_compile_options(${target} PRIVATE -fno-semantic-interposition)
  target_compile_features(${target} PUBLIC cxx_std_20)
  # A shared library that links the archive keeps its copy private (only the library's own
  # exports, torghut_strategy_descriptor, are visible): two strategy libraries never bind to each
  # other's SDK, nor to the engine's.
  set(shared "$<OR:$<STREQUAL:$<TARGET_PROPERTY:TYPE>,MODULE_LIBRARY>,$<STREQUAL:$<TARGET_PROPERTY:TYPE>,SHARED_LIBRARY>>")
  target_link_options(${target} INTERFACE "$<${shared}:-Wl,--exclude-libs,lib${target}.a>")
  set_property(GLOBAL APPEND PROPERTY TORGHUT_INSTALLED_LIBRARIES ${target})
endfunction()
