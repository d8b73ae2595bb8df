// io/write_fully.cc: every byte lands where asked, across calls of IOV_MAX pieces and short writes,
// and a failure says why.
#include "io/write_fully.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "wal/test_util.h"

namespace hoptrace::store::io {
namespace {

class WriteFullyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (dir_.path() / "file").string();
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override { ::close(fd_); }

  std::string Contents() const {
    std::ifstream file(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  }

  // Pieces viewing `texts`, with an empty one in front and between some.
  static std::vector<iovec> PiecesOf(std::vector<std::string>& texts) {
    std::vector<iovec> pieces{{nullptr, 0}};
    for (std::size_t i = 0; i < texts.size(); ++i) {
      pieces.push_back({texts[i].data(), texts[i].size()});
      if (i % 7 == 0) pieces.push_back({nullptr, 0});
    }
    return pieces;
  }

  store::testing::TempDir dir_;
  std::string path_;
  int fd_ = -1;
};

TEST_F(WriteFullyTest, WritesMorePiecesThanOneCallTakesAtTheOffset) {
  std::vector<std::string> texts;
  std::string expected(100, '\0');  // the bytes before the offset read back as zeros
  for (int i = 0; i < 3 * IOV_MAX; ++i) {
    texts.push_back(std::to_string(i) +
                    std::string(static_cast<std::size_t>(i % 13), 'a' + static_cast<char>(i % 26)));
    expected += texts.back();
  }
  std::vector<iovec> pieces = PiecesOf(texts);
  int error = 0;
  ASSERT_TRUE(WriteFullyAt(fd_, pieces, 100, &error)) << error;
  EXPECT_EQ(Contents(), expected);
}

TEST_F(WriteFullyTest, NothingToWriteIsNotAnError) {
  std::vector<iovec> pieces{{nullptr, 0}, {nullptr, 0}};
  int error = 0;
  EXPECT_TRUE(WriteFullyAt(fd_, pieces, 0, &error));
  EXPECT_EQ(Contents(), "");
}

// A file size limit cuts the first write short and refuses the next: the short one is resumed
// where it stopped, and the refusal comes back as its errno.
TEST_F(WriteFullyTest, ResumesAShortWriteAndReportsTheFailureAfterIt) {
  std::vector<std::string> texts(8, std::string(1000, 'x'));
  std::vector<iovec> pieces = PiecesOf(texts);
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit previous{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &previous), 0);
  rlimit limited = previous;
  limited.rlim_cur = 2500;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  int error = 0;
  const bool written = WriteFullyAt(fd_, pieces, 0, &error);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &previous), 0);
  std::signal(SIGXFSZ, previous_handler);

  EXPECT_FALSE(written);
  EXPECT_EQ(error, EFBIG);
  EXPECT_EQ(Contents(), std::string(2500, 'x'));
}

TEST_F(WriteFullyTest, AFileOpenedForReadingOnlyReportsEbadf) {
  const int read_only = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(read_only, 0);
  std::string text = "abc";
  iovec piece{text.data(), text.size()};
  int error = 0;
  EXPECT_FALSE(WriteFullyAt(read_only, {&piece, 1}, 0, &error));
  EXPECT_EQ(error, EBADF);
  ::close(read_only);
}

}  // namespace
}  // namespace hoptrace::store::io
