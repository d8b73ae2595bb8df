// log_writer.cc / log_reader.cc: round trip, and the damage a crash or a bad disk leaves behind.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "wal/log_reader.h"
#include "wal/log_writer.h"
#include "wal/test_util.h"

namespace hoptrace::store::wal {
namespace {

std::string Payload(int i) { return "record-" + std::to_string(i) + std::string(static_cast<std::size_t>(i * 37 % 300), 'x'); }

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

// The reader's tests take the buffered writer's bytes (records only); LogWriterTest runs in both modes.
class LogTest : public ::testing::Test {
 protected:
  // Writes records 0..count-1 and returns the file contents and where each record starts.
  std::string WriteRecords(int count, std::vector<std::size_t>* offsets = nullptr) {
    LogWriter writer;
    EXPECT_TRUE(LogWriter::Create(path_, 1, &writer, "", mode_).ok());
    for (int i = 0; i < count; ++i) {
      if (offsets) offsets->push_back(writer.size());
      EXPECT_TRUE(writer.AddRecord(RecordType::kOtlpRequest, Payload(i)).ok());
    }
    EXPECT_TRUE(writer.Sync().ok());
    return ReadFile(path_);
  }

  static std::vector<std::string> ReadAll(LogReader& reader) {
    std::vector<std::string> records;
    RecordType type;
    std::string_view payload;
    while (reader.ReadRecord(&type, &payload)) records.emplace_back(payload);
    return records;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.str() + "/000000000001.wal";
  WriteMode mode_ = WriteMode::kBuffered;
};

class LogWriterTest : public LogTest, public ::testing::WithParamInterface<WriteMode> {
 protected:
  LogWriterTest() { mode_ = GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(Modes, LogWriterTest, ::testing::Values(WriteMode::kDirect, WriteMode::kBuffered),
                         [](const ::testing::TestParamInfo<WriteMode>& param) {
                           return param.param == WriteMode::kDirect ? "Direct" : "Buffered";
                         });

TEST_P(LogWriterTest, RoundTrip) {
  WriteRecords(100);
  LogReader reader;
  ASSERT_TRUE(LogReader::Open(path_, &reader).ok());
  const std::vector<std::string> records = ReadAll(reader);
  ASSERT_EQ(records.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(records[static_cast<std::size_t>(i)], Payload(i));
  EXPECT_TRUE(reader.report().clean());
  EXPECT_EQ(reader.report().records, 100u);
}

// A retired segment's file reused for segment 2: its first use's records (longer ones, further on)
// are not segment 2's, so the reader stops at the first of them, and reports nothing.
TEST_P(LogWriterTest, ReusedFileEndsWhereTheEarlierUsesRecordsBegin) {
  WriteRecords(20);
  const std::uint64_t first_use_size = std::filesystem::file_size(path_);
  const std::string reused = dir_.str() + "/000000000002.wal";
  LogWriter writer;
  ASSERT_TRUE(LogWriter::Create(reused, 2, &writer, path_, mode_).ok());
  EXPECT_FALSE(std::filesystem::exists(path_));
  for (int i = 100; i < 103; ++i) ASSERT_TRUE(writer.AddRecord(RecordType::kOtlpRequest, Payload(i)).ok());
  ASSERT_TRUE(writer.Sync().ok());
  EXPECT_EQ(std::filesystem::file_size(reused), first_use_size);  // overwritten in place, not grown

  LogReader reader;
  ASSERT_TRUE(LogReader::Open(reused, &reader).ok());
  EXPECT_EQ(ReadAll(reader), (std::vector<std::string>{Payload(100), Payload(101), Payload(102)}));
  EXPECT_TRUE(reader.report().clean());
}

// The crash came between the rename and the new header: the file named segment 2 still holds segment
// 1's records, none of which is segment 2's.
TEST_P(LogWriterTest, RenamedButNotRewrittenFileHoldsNoRecords) {
  WriteRecords(5);
  const std::string renamed = dir_.str() + "/000000000002.wal";
  std::filesystem::rename(path_, renamed);
  LogReader reader;
  ASSERT_TRUE(LogReader::Open(renamed, &reader).ok());
  EXPECT_TRUE(ReadAll(reader).empty());
  EXPECT_TRUE(reader.report().clean());
}

// A torn last record of the new use is followed by the earlier use's records: the end, as above.
TEST_P(LogWriterTest, TornRecordInAReusedFileEndsIt) {
  WriteRecords(20);
  const std::string reused = dir_.str() + "/000000000002.wal";
  LogWriter writer;
  ASSERT_TRUE(LogWriter::Create(reused, 2, &writer, path_, mode_).ok());
  ASSERT_TRUE(writer.AddRecord(RecordType::kOtlpRequest, Payload(100)).ok());
  const std::uint64_t torn_at = writer.size() + kRecordHeaderSize + 3;  // inside the next payload
  ASSERT_TRUE(writer.AddRecord(RecordType::kOtlpRequest, Payload(101)).ok());
  std::string contents = ReadFile(reused);
  contents[torn_at] = static_cast<char>(contents[torn_at] ^ 0x5a);
  LogReader reader(contents, "reused", 2);
  EXPECT_EQ(ReadAll(reader), (std::vector<std::string>{Payload(100)}));
}

// Segments written before the segment header existed still replay.
TEST_F(LogTest, FirstFormatSegmentIsRead) {
  std::string contents;
  for (int i = 0; i < 3; ++i) {
    const std::string payload = Payload(i);
    const std::uint32_t checksum = FirstFormatChecksum(RecordType::kOtlpRequest, payload);
    const auto size = static_cast<std::uint32_t>(payload.size());
    for (const std::uint32_t field : {checksum, size}) {
      for (int shift = 0; shift < 32; shift += 8)
        contents.push_back(static_cast<char>((field >> shift) & 0xff));
    }
    contents.push_back(static_cast<char>(RecordType::kOtlpRequest));
    contents += payload;
  }
  LogReader reader(contents);
  EXPECT_EQ(ReadAll(reader), (std::vector<std::string>{Payload(0), Payload(1), Payload(2)}));
  EXPECT_TRUE(reader.report().clean());
}

TEST_F(LogTest, TornTailAtEveryCutKeepsEarlierRecords) {
  std::vector<std::size_t> offsets;
  const std::string contents = WriteRecords(5, &offsets);
  const std::size_t last = offsets.back();
  for (std::size_t cut = last + 1; cut < contents.size(); ++cut) {
    LogReader reader(contents.substr(0, cut));
    const std::vector<std::string> records = ReadAll(reader);
    ASSERT_EQ(records.size(), 4u) << "cut at " << cut;
    EXPECT_EQ(records.back(), Payload(3));
    EXPECT_EQ(reader.report().torn_tail_records, 1u);
    EXPECT_EQ(reader.report().skipped_bytes, cut - last);
    ASSERT_EQ(reader.report().problems.size(), 1u);
    EXPECT_NE(reader.report().problems[0].find("torn"), std::string::npos);
  }
}

TEST_F(LogTest, FlippedByteSkipsOnlyThatRecord) {
  std::vector<std::size_t> offsets;
  const std::string contents = WriteRecords(5, &offsets);
  // Every byte of record 2, header included: the length and type are covered by the checksum too.
  for (std::size_t at = offsets[2]; at < offsets[3]; ++at) {
    std::string damaged = contents;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    LogReader reader(damaged);
    const std::vector<std::string> records = ReadAll(reader);
    ASSERT_EQ(records.size(), 4u) << "flip at " << at;
    EXPECT_EQ(records[1], Payload(1));
    EXPECT_EQ(records[2], Payload(3));
    EXPECT_EQ(reader.report().corrupt_regions, 1u);
    EXPECT_EQ(reader.report().skipped_bytes, offsets[3] - offsets[2]);
  }
}

TEST_F(LogTest, ZeroFilledTailIsReportedNotReturned) {
  std::string contents = WriteRecords(3);
  contents.append(4096, '\0');  // a preallocated or torn page
  LogReader reader(contents);
  EXPECT_EQ(ReadAll(reader).size(), 3u);
  EXPECT_EQ(reader.report().torn_tail_records, 1u);
  EXPECT_EQ(reader.report().skipped_bytes, 4096u);
}

TEST_F(LogTest, MissingFileIsAnIoError) {
  LogReader reader;
  EXPECT_EQ(LogReader::Open(dir_.str() + "/absent.wal", &reader).code(), Status::Code::kIoError);
}

// A directory where a segment should be opens as a stream and reports a size of 2^63 - 1 through
// one: it is refused as an I/O error, not read into a string of that size.
TEST_F(LogTest, DirectoryInPlaceOfASegmentIsAnIoError) {
  const std::string path = dir_.str() + "/000001.wal";
  ASSERT_TRUE(std::filesystem::create_directory(path));
  LogReader reader;
  EXPECT_EQ(LogReader::Open(path, &reader).code(), Status::Code::kIoError);
}

// The disk fills up mid-append: the writer reports kIoError and cuts the partial record off, so the
// file holds only whole records and later appends (once there is room) are readable.
TEST_P(LogWriterTest, FailedAppendLeavesNoPartialRecord) {
  LogWriter writer;
  ASSERT_TRUE(LogWriter::Create(path_, 1, &writer, "", mode_).ok());
  ASSERT_TRUE(writer.AddRecord(RecordType::kOtlpRequest, Payload(1)).ok());
  const std::uint64_t good_size = writer.size();

  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit previous{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &previous), 0);
  rlimit limited = previous;
  limited.rlim_cur = good_size + 100;  // room for part of the next record only
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  const Status failed = writer.AddRecord(RecordType::kOtlpRequest, std::string(1000, 'y'));
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &previous), 0);
  std::signal(SIGXFSZ, previous_handler);

  EXPECT_EQ(failed.code(), Status::Code::kIoError) << failed.message();
  EXPECT_EQ(std::filesystem::file_size(path_), good_size);
  EXPECT_FALSE(writer.broken());
  ASSERT_TRUE(writer.AddRecord(RecordType::kOtlpRequest, Payload(2)).ok());
  LogReader reader;
  ASSERT_TRUE(LogReader::Open(path_, &reader).ok());
  EXPECT_EQ(ReadAll(reader), (std::vector<std::string>{Payload(1), Payload(2)}));
  EXPECT_TRUE(reader.report().clean());
}

TEST_P(LogWriterTest, OversizedRecordIsRefused) {
  LogWriter writer;
  ASSERT_TRUE(LogWriter::Create(path_, 1, &writer, "", mode_).ok());
  const std::string huge(kMaxRecordSize + 1, 'z');
  EXPECT_EQ(writer.AddRecord(RecordType::kOtlpRequest, huge).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(writer.size(), kSegmentHeaderSize);
}

// Direct I/O (log_format.h): whole blocks, the last write ending in a padding record.
class DirectLogTest : public LogTest {
 protected:
  // Starts a direct writer; false (the test skips) where the file system has no direct I/O.
  bool Start(LogWriter* writer) {
    EXPECT_TRUE(LogWriter::Create(path_, 1, writer, "", WriteMode::kDirect).ok());
    return writer->mode() == WriteMode::kDirect;
  }
  std::vector<std::string> ReadBack(ReadReport* report) {
    LogReader reader;
    EXPECT_TRUE(LogReader::Open(path_, &reader).ok());
    std::vector<std::string> records = ReadAll(reader);
    *report = reader.report();
    return records;
  }
  // A payload that makes a record after `offset` end `gap` bytes before the next block boundary.
  static std::string PayloadEndingBeforeBoundary(std::uint64_t offset, std::size_t gap) {
    const std::size_t used = (offset + kRecordHeaderSize) % kDirectBlockSize;
    return std::string(kDirectBlockSize - used - gap, 'p');
  }
};

TEST_F(DirectLogTest, AppendsOverwriteTheLastPaddingAndReadBackClean) {
  LogWriter writer;
  if (!Start(&writer)) GTEST_SKIP() << "no direct I/O here";
  std::vector<std::string> written;
  for (int i = 0; i < 40; ++i) {
    written.push_back(Payload(i) +
                      std::string(static_cast<std::size_t>(i) * 100, 'd'));  // some records span blocks
    ASSERT_TRUE(writer.AddRecord(RecordType::kOtlpRequest, written.back()).ok());
    ASSERT_TRUE(writer.Sync().ok());
    const std::uint64_t file_size = std::filesystem::file_size(path_);
    EXPECT_EQ(file_size % kDirectBlockSize, 0u);
    EXPECT_GE(file_size, writer.size() + kRecordHeaderSize);  // room for the padding record
    ReadReport report;
    ASSERT_EQ(ReadBack(&report), written) << "after record " << i;
    EXPECT_TRUE(report.clean());
  }
}

// A record that ends on a block boundary needs no padding; one that leaves less than a header's room
// pads into the next block.
TEST_F(DirectLogTest, PaddingFitsOrTakesTheNextBlock) {
  LogWriter writer;
  if (!Start(&writer)) GTEST_SKIP() << "no direct I/O here";
  std::vector<std::string> written{PayloadEndingBeforeBoundary(writer.size(), 0)};
  ASSERT_TRUE(writer.AddRecord(RecordType::kOtlpRequest, written.back()).ok());
  EXPECT_EQ(writer.size(), kDirectBlockSize);
  EXPECT_EQ(std::filesystem::file_size(path_), kDirectBlockSize);
  written.push_back(PayloadEndingBeforeBoundary(writer.size(), kRecordHeaderSize - 1));
  ASSERT_TRUE(writer.AddRecord(RecordType::kOtlpRequest, written.back()).ok());
  EXPECT_EQ(std::filesystem::file_size(path_), 3 * kDirectBlockSize);
  written.push_back("after");
  ASSERT_TRUE(writer.AddRecord(RecordType::kOtlpRequest, written.back()).ok());
  ReadReport report;
  EXPECT_EQ(ReadBack(&report), written);
  EXPECT_TRUE(report.clean());
}

// A crash mid-append persisted only the first sector of the rewritten block: what the earlier,
// synced appends wrote is all there.
TEST_F(DirectLogTest, TornAppendKeepsTheSyncedRecords) {
  LogWriter writer;
  if (!Start(&writer)) GTEST_SKIP() << "no direct I/O here";
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(writer.AddRecord(RecordType::kOtlpRequest, Payload(i)).ok());
  ASSERT_TRUE(writer.Sync().ok());
  const std::string synced = ReadFile(path_);
  const std::uint64_t block = writer.size() / kDirectBlockSize * kDirectBlockSize;
  ASSERT_TRUE(writer.AddRecord(RecordType::kOtlpRequest, std::string(3000, 'n')).ok());
  const std::string later = ReadFile(path_);
  for (const std::size_t persisted : {std::size_t{0}, std::size_t{512}, std::size_t{1024}}) {
    std::string torn = synced;
    torn.replace(block, persisted, later, block, persisted);
    LogReader reader(torn, "torn", 1);
    const std::vector<std::string> records = ReadAll(reader);
    ASSERT_GE(records.size(), 3u) << persisted;
    EXPECT_EQ(std::vector<std::string>(records.begin(), records.begin() + 3),
              (std::vector<std::string>{Payload(0), Payload(1), Payload(2)}));
  }
}

TEST(SegmentFileNameTest, RoundTripAndRejects) {
  EXPECT_EQ(SegmentFileName(42), "000000000042.wal");
  EXPECT_EQ(ParseSegmentFileName("000000000042.wal"), 42u);
  EXPECT_EQ(ParseSegmentFileName("00000000042.wal"), 0u);
  EXPECT_EQ(ParseSegmentFileName("0000000000x2.wal"), 0u);
  EXPECT_EQ(ParseSegmentFileName("000000000042.log"), 0u);
}

}  // namespace
}  // namespace hoptrace::store::wal
