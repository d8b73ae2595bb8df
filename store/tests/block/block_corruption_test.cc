// Damaged blocks: every flipped byte and every truncation is reported as an error, never a crash
// (run under ASan/UBSan by `make test`).

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "block/block.h"
#include "block/block_format.h"
#include "block_test_util.h"

namespace hoptrace::store::block {
namespace {

using testing::GenerateSpans;
using testing::ReadFile;
using testing::TempDir;

void WriteFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Opens the block and uses every part of it; returns the first error.
Status Exercise(const std::filesystem::path& path, const std::vector<model::TraceId>& trace_ids) {
  std::unique_ptr<BlockReader> reader;
  if (Status s = BlockReader::Open(path, {}, &reader); !s.ok()) return s;
  if (Status s = reader->ForEachSpan([](const auto&, const auto&, const auto&) { return true; }); !s.ok()) return s;
  std::vector<TraceHit> hits;
  const auto filter = SpanFilter::Compare({{Intrinsic::kNone, AttributeScope::kSpan, "http.route"}, CompareOp::kExists, {}});
  if (Status s = reader->Search({filter, {}, SIZE_MAX}, &hits); !s.ok()) return s;
  for (const model::TraceId& trace_id : trace_ids) {
    std::optional<model::TraceBatch> trace;
    if (Status s = reader->FindTrace(trace_id, &trace); !s.ok()) return s;
  }
  return Status::Ok();
}

class BlockCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto data = GenerateSpans(6'000, {.seed = 17});
    // Lookups of a sample reach every index page and row group without decoding all traces.
    const auto all_ids = data.TraceIds();
    for (std::size_t i = 0; i < all_ids.size(); i += 25) trace_ids_.push_back(all_ids[i]);
    trace_ids_.push_back(all_ids.back());
    BlockBuilder builder;
    builder.Add(data.ToBatch());
    ASSERT_TRUE(builder.Finish(dir_.path() / "good.block", nullptr).ok());
    good_ = ReadFile(dir_.path() / "good.block");
    ASSERT_TRUE(Exercise(dir_.path() / "good.block", trace_ids_).ok());
    ASSERT_TRUE(DecodeFooter(std::string_view(good_).substr(good_.size() - kFooterSize), &footer_).ok());
    ASSERT_TRUE(
        DecodeDirectory(std::string_view(good_).substr(footer_.directory_offset, footer_.directory_bytes),
                        footer_.directory_offset, &sections_)
            .ok());
  }

  // The sections as the directory lists them, plus the directory and the footer.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> Regions() const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> regions;
    for (const SectionHandle& section : sections_) regions.emplace_back(section.offset, section.stored_bytes);
    regions.emplace_back(footer_.directory_offset, footer_.directory_bytes);
    regions.emplace_back(good_.size() - kFooterSize, kFooterSize);
    return regions;
  }

  Status ExerciseBytes(const std::string& bytes) {
    WriteFile(dir_.path() / "bad.block", bytes);
    return Exercise(dir_.path() / "bad.block", trace_ids_);
  }

  TempDir dir_;
  std::vector<model::TraceId> trace_ids_;
  std::string good_;
  Footer footer_;                        // good_'s
  std::vector<SectionHandle> sections_;  // good_'s directory
};

TEST_F(BlockCorruptionTest, AFlippedByteInAnySectionIsCorruption) {
  const auto regions = Regions();
  ASSERT_GT(regions.size(), std::size_t{kFirstIndexPage} + kColumnCount);
  for (std::size_t r = 0; r < regions.size(); ++r) {
    const auto [offset, size] = regions[r];
    for (const std::uint64_t at : {offset, offset + size / 2, offset + size - 1}) {
      std::string bad = good_;
      bad[at] = static_cast<char>(bad[at] ^ 0x10);
      const Status status = ExerciseBytes(bad);
      EXPECT_EQ(status.code(), Status::Code::kCorruption) << "region " << r << " byte " << at << ": " << status.message();
    }
  }
}

TEST_F(BlockCorruptionTest, TruncationsAreCorruption) {
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, kFooterSize - 1, kFooterSize, good_.size() / 2,
                                 good_.size() - kFooterSize, good_.size() - 1}) {
    const Status status = ExerciseBytes(good_.substr(0, size));
    EXPECT_EQ(status.code(), Status::Code::kCorruption) << "size " << size << ": " << status.message();
  }
}

TEST_F(BlockCorruptionTest, RandomDamageNeverCrashes) {
  std::mt19937_64 rng(99);
  std::size_t errors = 0;
  constexpr int kRounds = 150;
  for (int round = 0; round < kRounds; ++round) {
    std::string bad = good_;
    if (round % 3 == 0) {
      bad.resize(rng() % bad.size());
    } else {
      for (int flips = 1 + static_cast<int>(rng() % 8); flips > 0; --flips) bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    errors += ExerciseBytes(bad).ok() ? 0 : 1;
  }
  EXPECT_EQ(errors, static_cast<std::size_t>(kRounds));  // every byte is under a checksum
}

TEST_F(BlockCorruptionTest, MissingFileIsNotFound) {
  std::unique_ptr<BlockReader> reader;
  EXPECT_EQ(BlockReader::Open(dir_.path() / "absent.block", {}, &reader).code(), Status::Code::kNotFound);
}

// Garbage that passes the checksums (a buggy writer, or a collision): the decoders must still
// stay in bounds. Each section's payload is replaced by random bytes with a valid checksum.
TEST_F(BlockCorruptionTest, GarbageWithValidChecksumsIsRejectedSafely) {
  std::mt19937_64 rng(5);
  for (std::size_t slot = 0; slot < sections_.size(); ++slot) {
    for (int attempt = 0; attempt < 4; ++attempt) {
      // Raw codec, random payload of a random small size, appended before a new directory.
      std::string body = good_.substr(0, footer_.directory_offset);
      std::string garbage(rng() % 64, '\0');
      for (char& c : garbage) c = static_cast<char>(attempt % 2 ? rng() % 4 : rng());  // small values look like varints
      std::vector<SectionHandle> damaged = sections_;
      damaged[slot] = {body.size(), garbage.size(), garbage.size(), Checksum(garbage), kCodecRaw};
      body += garbage;
      const std::string directory = EncodeDirectory(damaged);
      Footer new_footer{body.size(), directory.size(), Checksum(directory)};
      body += directory + EncodeFooter(new_footer);
      (void)ExerciseBytes(body);  // an error or (rarely) a harmless answer; never a crash or overread
    }
  }
}

}  // namespace
}  // namespace hoptrace::store::block
