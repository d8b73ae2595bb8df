// wal.cc: segments rotate, replay in order, and are deleted once covered.
#include "wal/wal.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "wal/test_util.h"

namespace hoptrace::store::wal {
namespace {

std::vector<std::pair<std::uint64_t, std::string>> ReplayAll(Wal& wal, ReplayReport* report = nullptr) {
  std::vector<std::pair<std::uint64_t, std::string>> records;
  ReplayReport result = wal.Replay([&](std::uint64_t segment, RecordType, std::string_view payload) {
    records.emplace_back(segment, std::string(payload));
  });
  if (report) *report = result;
  return records;
}

Status AppendOne(Wal& wal, const std::string& payload) {
  std::string_view view = payload;
  std::uint64_t bytes = 0;
  return wal.Append(RecordType::kOtlpRequest, {&view, 1}, &bytes);
}

class WalModeTest : public ::testing::TestWithParam<WriteMode> {};

INSTANTIATE_TEST_SUITE_P(Modes, WalModeTest, ::testing::Values(WriteMode::kDirect, WriteMode::kBuffered),
                         [](const ::testing::TestParamInfo<WriteMode>& param) {
                           return param.param == WriteMode::kDirect ? "Direct" : "Buffered";
                         });

TEST_P(WalModeTest, RotatesReplaysAndDeletes) {
  testing::TempDir dir;
  {
    Wal wal;
    ASSERT_TRUE(Wal::Open(dir.str(), {.segment_bytes = 100, .write_mode = GetParam()}, &wal).ok());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(AppendOne(wal, std::string(60, static_cast<char>('a' + i))).ok());
    ASSERT_TRUE(wal.Sync().ok());
    EXPECT_EQ(wal.segment_count(), 5u);  // two 69-byte records per 100-byte segment
  }
  Wal wal;
  ASSERT_TRUE(Wal::Open(dir.str(), {.segment_bytes = 100}, &wal).ok());
  EXPECT_EQ(wal.current_segment(), 6u);  // never appends after a possibly torn tail
  const auto records = ReplayAll(wal);
  ASSERT_EQ(records.size(), 10u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].first, i / 2 + 1);
    EXPECT_EQ(records[i].second[0], static_cast<char>('a' + i));
  }
  ASSERT_TRUE(wal.DeleteSegmentsBefore(4).ok());
  EXPECT_EQ(wal.segment_count(), 2u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / SegmentFileName(3)));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / SegmentFileName(4)));
  EXPECT_EQ(ReplayAll(wal).size(), 4u);
}

// A deleted segment's file becomes the next segment's; replay then reads only what the next one wrote.
TEST_P(WalModeTest, NextSegmentReusesTheLatestDeletedOne) {
  testing::TempDir dir;
  {
    Wal wal;
    ASSERT_TRUE(Wal::Open(dir.str(), {.segment_bytes = 300, .write_mode = GetParam()}, &wal).ok());
    for (int i = 0; i < 12; ++i)
      ASSERT_TRUE(AppendOne(wal, std::string(60, static_cast<char>('a' + i))).ok());
    EXPECT_EQ(wal.current_segment(), 3u);  // four 77-byte records after each 16-byte header
    ASSERT_TRUE(wal.DeleteSegmentsBefore(3).ok());
    EXPECT_FALSE(std::filesystem::exists(dir.path() / SegmentFileName(1)));
    EXPECT_FALSE(std::filesystem::exists(dir.path() / SegmentFileName(2)));
    EXPECT_TRUE(std::filesystem::exists(dir.path() / kSpareFileName));
    wal.RequestNewSegment();
    ASSERT_TRUE(AppendOne(wal, "new").ok());
    ASSERT_TRUE(wal.Sync().ok());
    EXPECT_EQ(wal.current_segment(), 4u);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / kSpareFileName));
    const std::uint64_t segment_2_size = 16u + 4 * 77;  // direct I/O pads it to a block
    EXPECT_EQ(std::filesystem::file_size(dir.path() / SegmentFileName(4)),
              wal.writes_direct() ? kDirectBlockSize : segment_2_size);
  }
  Wal wal;
  ASSERT_TRUE(Wal::Open(dir.str(), {}, &wal).ok());
  ReplayReport report;
  const auto records = ReplayAll(wal, &report);
  ASSERT_EQ(records.size(), 5u);  // segment 3's four and segment 4's one, none of segment 2's
  EXPECT_EQ(records[0], (std::pair<std::uint64_t, std::string>{3, std::string(60, 'i')}));
  EXPECT_EQ(records[4], (std::pair<std::uint64_t, std::string>{4, "new"}));
  EXPECT_TRUE(report.damage.clean());
}

// Only files a Wal started are reused: an earlier run's spare, and its segments, are removed.
TEST(WalTest, EarlierRunsFilesAreNotReused) {
  testing::TempDir dir;
  {
    Wal wal;
    ASSERT_TRUE(Wal::Open(dir.str(), {.segment_bytes = 1}, &wal).ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(AppendOne(wal, "payload").ok());
    ASSERT_TRUE(wal.DeleteSegmentsBefore(2).ok());
    EXPECT_TRUE(std::filesystem::exists(dir.path() / kSpareFileName));
  }
  Wal wal;
  ASSERT_TRUE(Wal::Open(dir.str(), {.segment_bytes = 1}, &wal).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / kSpareFileName));
  ASSERT_TRUE(wal.DeleteSegmentsBefore(3).ok());  // segment 2, the earlier run's
  EXPECT_FALSE(std::filesystem::exists(dir.path() / kSpareFileName));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / SegmentFileName(2)));
}

// A segment with no record yet (only its header) is not left for another: no empty segments pile up.
TEST(WalTest, NewSegmentOnlyAfterARecord) {
  testing::TempDir dir;
  Wal wal;
  ASSERT_TRUE(Wal::Open(dir.str(), {}, &wal).ok());
  std::uint64_t bytes = 0;
  ASSERT_TRUE(AppendOne(wal, "x").ok());
  wal.RequestNewSegment();
  ASSERT_TRUE(wal.Append(RecordType::kOtlpRequest, {}, &bytes).ok());  // starts segment 2
  EXPECT_EQ(wal.current_segment(), 2u);
  wal.RequestNewSegment();
  ASSERT_TRUE(wal.Append(RecordType::kOtlpRequest, {}, &bytes).ok());
  EXPECT_EQ(wal.current_segment(), 2u);
  EXPECT_EQ(wal.segment_count(), 2u);
}

TEST(WalTest, DeleteNeverRemovesTheCurrentSegment) {
  testing::TempDir dir;
  Wal wal;
  ASSERT_TRUE(Wal::Open(dir.str(), {}, &wal).ok());
  ASSERT_TRUE(AppendOne(wal, "x").ok());
  ASSERT_TRUE(wal.DeleteSegmentsBefore(UINT64_MAX).ok());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / SegmentFileName(wal.current_segment())));
  ASSERT_TRUE(AppendOne(wal, "y").ok());
}

// Buffered: bytes appended after a direct writer's padding record are past the segment's end.
TEST(WalTest, ReplaySumsDamageAcrossSegments) {
  testing::TempDir dir;
  {
    Wal wal;
    ASSERT_TRUE(Wal::Open(dir.str(), {.segment_bytes = 1, .write_mode = WriteMode::kBuffered}, &wal).ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(AppendOne(wal, "payload").ok());
  }
  std::ofstream(dir.path() / SegmentFileName(2), std::ios::app) << "torn";
  std::filesystem::resize_file(dir.path() / SegmentFileName(3), 5);
  Wal wal;
  ASSERT_TRUE(Wal::Open(dir.str(), {}, &wal).ok());
  ReplayReport report;
  EXPECT_EQ(ReplayAll(wal, &report).size(), 2u);
  EXPECT_EQ(report.segments, 3u);
  EXPECT_EQ(report.damage.torn_tail_records, 2u);
  EXPECT_EQ(report.damage.skipped_bytes, 9u);
  EXPECT_EQ(report.damage.problems.size(), 2u);
}

}  // namespace
}  // namespace hoptrace::store::wal
