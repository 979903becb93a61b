#include "model/io/mapped_file.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/model/io/test_support.hpp"

namespace moeserve::model::testing {
namespace {

TEST(MappedFile, MapsTheWholeFile) {
  temp_dir dir;
  write_file(dir / "f.bin", std::string_view("hello, mapped world"));
  mapped_file f(dir / "f.bin");
  EXPECT_EQ(f.size(), 19u);
  ASSERT_EQ(f.bytes().size(), 19u);
  EXPECT_EQ(std::memcmp(f.bytes().data(), "hello, mapped world", 19), 0);
  EXPECT_EQ(f.path(), dir / "f.bin");
}

TEST(MappedFile, EmptyFileIsAnEmptySpan) {
  temp_dir dir;
  write_file(dir / "empty", std::string_view());
  mapped_file f(dir / "empty");
  EXPECT_EQ(f.size(), 0u);
  EXPECT_TRUE(f.bytes().empty());
}

TEST(MappedFile, MoveKeepsTheMappingInPlace) {
  temp_dir dir;
  write_file(dir / "f.bin", std::string_view("abc"));
  mapped_file a(dir / "f.bin");
  const std::byte* p = a.bytes().data();
  mapped_file b(std::move(a));
  EXPECT_EQ(b.bytes().data(), p);
  EXPECT_TRUE(a.bytes().empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  write_file(dir / "g.bin", std::string_view("defg"));
  mapped_file c(dir / "g.bin");
  c = std::move(b);
  EXPECT_EQ(c.bytes().data(), p);
  EXPECT_EQ(c.size(), 3u);
}

TEST(MappedFile, MissingFileNamesPathAndReason) {
  expect_load_error([] { mapped_file f("/nonexistent/weights.bin"); },
                    {"/nonexistent/weights.bin", "cannot open", "No such file or directory"});
}

TEST(MappedFile, DirectoryIsNotARegularFile) {
  temp_dir dir;
  expect_load_error([&] { mapped_file f(dir.path()); }, {dir.path().string(), "not a regular file"});
}

}  // namespace
}  // namespace moeserve::model::testing
