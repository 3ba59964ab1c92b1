# Every third-party dependency is found here and wrapped in an imported target, so each of our
# targets lists what it uses. All come from Debian packages (scripts/install-deps.sh).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# CAF 0.17.6: Debian ships no CMake config or pkg-config file.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY NAMES caf_core REQUIRED)
find_library(CAF_IO_LIBRARY NAMES caf_io REQUIRED)
add_library(caf::core SHARED IMPORTED GLOBAL)
set_target_properties(caf::core PROPERTIES IMPORTED_LOCATION ${CAF_CORE_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR} INTERFACE_LINK_LIBRARIES Threads::Threads)
add_library(caf::io SHARED IMPORTED GLOBAL)
set_target_properties(caf::io PROPERTIES IMPORTED_LOCATION ${CAF_IO_LIBRARY}
  INTERFACE_LINK_LIBRARIES caf::core)

# moodycamel lock-free queues (header-only).
find_path(CONCURRENTQUEUE_INCLUDE_DIR concurrentqueue/concurrentqueue.h REQUIRED)
find_path(READERWRITERQUEUE_INCLUDE_DIR readerwriterqueue/readerwriterqueue.h REQUIRED)
add_library(moodycamel INTERFACE IMPORTED GLOBAL)
target_include_directories(moodycamel SYSTEM INTERFACE
  ${CONCURRENTQUEUE_INCLUDE_DIR} ${READERWRITERQUEUE_INCLUDE_DIR})

# simdjson (JSON frame decoding).
find_package(simdjson REQUIRED)

# xxHash (XXH3-128 decision hashes).
find_path(XXHASH_INCLUDE_DIR xxhash.h REQUIRED)
find_library(XXHASH_LIBRARY NAMES xxhash REQUIRED)
add_library(xxhash::xxhash UNKNOWN IMPORTED GLOBAL)
set_target_properties(xxhash::xxhash PROPERTIES IMPORTED_LOCATION ${XXHASH_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${XXHASH_INCLUDE_DIR})

find_package(spdlog REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 CONFIG REQUIRED)

if(TORGHUT_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(TORGHUT_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# Boost (Beast/Asio, header-only parts) and OpenSSL, for the adapters that speak HTTP, WebSocket
# and TLS. Found here, at the top, so that their imported targets are visible in every folder.
find_package(Boost 1.81 REQUIRED)
find_package(OpenSSL REQUIRED)

# libpqxx 6.4 (Postgres): pkg-config only.
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET GLOBAL libpqxx)
