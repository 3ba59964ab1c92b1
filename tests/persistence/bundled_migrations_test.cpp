// The migrations compiled into the build are the files of migrations/ (names, versions, exact
// text), so a deployed binary checks a database's schema without a migrations folder.
#include <gtest/gtest.h>

#include "torghut/persistence/migrations.hpp"

using namespace torghut;
namespace p = torghut::persistence;

TEST(bundled_migrations, are_the_files_of_the_source_tree_byte_for_byte) {
  const auto files = p::load_migrations(TORGHUT_SOURCE_DIR "/migrations");
  const auto bundled = p::bundled_migrations();
  ASSERT_GE(files.size(), 4u);
  ASSERT_EQ(bundled.size(), files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(bundled[i].version, files[i].version);
    EXPECT_EQ(bundled[i].name, files[i].name);
    EXPECT_EQ(bundled[i].checksum, files[i].checksum) << files[i].name;
    EXPECT_EQ(bundled[i].sql, files[i].sql) << files[i].name;
  }
}
