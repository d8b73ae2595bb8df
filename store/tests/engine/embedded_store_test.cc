#include "hoptrace/store/embedded_store.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include "block/block.h"
#include "engine/cut_record.h"
#include "engine/store_fixture.h"
#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/otlp/wire.h"
#include "wal/log_format.h"
#include "wal/wal.h"

namespace hoptrace::store::testing {
namespace {

namespace fs = std::filesystem;

// Spans 1..count of trace `trace`, starting at `start` a millisecond apart.
std::vector<model::Span> SpansOf(std::uint64_t trace, std::uint64_t count, std::uint64_t start, std::uint64_t first = 1) {
  std::vector<model::Span> spans;
  for (std::uint64_t i = first; i < first + count; ++i) spans.push_back(RichSpan(trace, i, start + i * 1'000'000));
  return spans;
}

std::vector<model::TraceId> IdsOf(const std::vector<TraceSummary>& summaries) {
  std::vector<model::TraceId> ids;
  for (const TraceSummary& summary : summaries) ids.push_back(summary.trace_id);
  return ids;
}

class EmbeddedStoreTest : public StoreTest {
 protected:
  // Writes records into the WAL directory as an earlier process would have left them.
  void AppendToWal(const std::vector<std::pair<wal::RecordType, std::string>>& records) {
    wal::Wal wal;
    ASSERT_TRUE(wal::Wal::Open((dir_.path() / "wal").string(), {}, &wal).ok());
    for (const auto& [type, payload] : records) {
      const std::string_view view = payload;
      std::uint64_t bytes = 0;
      ASSERT_TRUE(wal.Append(type, {&view, 1}, &bytes).ok());
    }
    ASSERT_TRUE(wal.Sync().ok());
  }
};

TEST_F(EmbeddedStoreTest, TraceReadsBackTheSameFromHeadBlockAndAfterReopen) {
  Open();
  const model::TraceBatch batch = BatchOf("checkout", SpansOf(1, 5, kEpoch));
  WriteOk(batch);
  EXPECT_EQ(store_->GetTrace(TraceIdOf(1)), batch);  // from the head
  EXPECT_EQ(store_->GetTrace(TraceIdOf(2)), std::nullopt);

  ASSERT_TRUE(store_->CutHead(true).ok());
  EXPECT_EQ(store_->stats().head_spans, 0u);
  EXPECT_EQ(store_->stats().blocks, 1u);
  EXPECT_EQ(store_->GetTrace(TraceIdOf(1)), batch);  // from the block

  Reopen();
  EXPECT_EQ(store_->recovery().spans_replayed, 0u);
  EXPECT_EQ(store_->GetTrace(TraceIdOf(1)), batch);
}

TEST_F(EmbeddedStoreTest, UncutHeadIsReplayedFromTheWal) {
  Open();
  for (std::uint64_t trace = 1; trace <= 20; ++trace) WriteOk(BatchOf("svc", SpansOf(trace, 3, kEpoch)));
  Reopen();
  EXPECT_EQ(store_->recovery().spans_replayed, 60u);
  EXPECT_EQ(store_->recovery().wal_records, 20u);
  EXPECT_EQ(store_->recovery().torn_or_corrupt_records, 0u);
  for (std::uint64_t trace = 1; trace <= 20; ++trace) EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(trace))), 3u);
  EXPECT_TRUE(Logged("60 spans replayed"));
}

TEST_F(EmbeddedStoreTest, TornWalTailIsSkippedAndReported) {
  EmbeddedStoreOptions options = Options();
  options.wal_direct_io = false;  // buffered: the file ends where the last record does
  Open(options);
  for (std::uint64_t trace = 1; trace <= 5; ++trace) WriteOk(BatchOf("svc", SpansOf(trace, 2, kEpoch)));
  store_.reset();
  const fs::path segment = dir_.path() / "wal" / wal::SegmentFileName(1);
  fs::resize_file(segment, fs::file_size(segment) - 7);  // the crash hit the last append

  Reopen();
  EXPECT_EQ(store_->recovery().torn_or_corrupt_records, 1u);
  EXPECT_EQ(store_->recovery().spans_replayed, 8u);
  for (std::uint64_t trace = 1; trace <= 4; ++trace) EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(trace))), 2u);
  EXPECT_EQ(store_->GetTrace(TraceIdOf(5)), std::nullopt);
  EXPECT_EQ(Counter("hoptrace_store_wal_records_skipped_total"), 1u);
  EXPECT_TRUE(Logged("torn"));
  WriteOk(BatchOf("svc", SpansOf(6, 1, kEpoch)));  // appends go to a fresh segment
  Reopen();
  EXPECT_EQ(store_->recovery().spans_replayed, 9u);
}

TEST_F(EmbeddedStoreTest, CorruptWalRecordIsSkippedOthersReplayed) {
  EmbeddedStoreOptions options = Options();
  options.wal_direct_io = false;  // buffered: the file holds equal-sized records only
  Open(options);
  for (std::uint64_t trace = 1; trace <= 5; ++trace) WriteOk(BatchOf("svc", SpansOf(trace, 2, kEpoch)));
  store_.reset();
  const fs::path segment = dir_.path() / "wal" / wal::SegmentFileName(1);
  const std::uint64_t record_size = fs::file_size(segment) / 5;  // equal-sized batches
  {
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(2 * record_size + record_size / 2));  // inside record 3
    file.put('\x7f');
  }
  Reopen();
  EXPECT_EQ(store_->recovery().torn_or_corrupt_records, 1u);
  EXPECT_EQ(store_->recovery().spans_replayed, 8u);
  EXPECT_EQ(store_->GetTrace(TraceIdOf(3)), std::nullopt);
  EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(5))), 2u);
}

TEST_F(EmbeddedStoreTest, SpansWrittenMinutesApartInDifferentBlocksComeBackAsOneTrace) {
  Open();
  WriteOk(BatchOf("frontend", SpansOf(7, 3, kEpoch)));
  ASSERT_TRUE(store_->CutHead(true).ok());
  now_ += 5 * kMinute;
  WriteOk(BatchOf("backend", SpansOf(7, 2, kEpoch + 5 * kMinute, /*first=*/4)));  // late spans
  ASSERT_TRUE(store_->CutHead(true).ok());
  now_ += 5 * kMinute;
  WriteOk(BatchOf("db", SpansOf(7, 1, kEpoch + 10 * kMinute, /*first=*/6)));  // still in the head
  WriteOk(BatchOf("frontend", SpansOf(7, 1, kEpoch)));  // a retried batch: a duplicate span
  EXPECT_EQ(store_->stats().blocks, 2u);

  const auto trace = store_->GetTrace(TraceIdOf(7));
  ASSERT_TRUE(trace);
  EXPECT_EQ(trace->SpanCount(), 6u);
  EXPECT_EQ(trace->resource_spans.size(), 3u);  // frontend, backend, db

  const std::vector<TraceSummary> hits = store_->Search({});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].span_count, 6u);
  EXPECT_EQ(hits[0].services, (std::vector<std::string>{"backend", "db", "frontend"}));
  EXPECT_EQ(hits[0].root_service, "frontend");
  EXPECT_EQ(hits[0].start_unix_nano, kEpoch + 1'000'000);
}

TEST_F(EmbeddedStoreTest, TimeRangeQueriesUniteHeadAndSeveralBlocks) {
  Open();
  // Traces 1-3 in three blocks a minute apart, trace 4 in the head.
  for (std::uint64_t trace = 1; trace <= 4; ++trace) {
    WriteOk(BatchOf("svc" + std::to_string(trace), SpansOf(trace, 2, kEpoch + trace * kMinute)));
    if (trace < 4) {
      ASSERT_TRUE(store_->CutHead(true).ok());
    }
  }
  EXPECT_EQ(store_->stats().blocks, 3u);

  SearchRequest all;
  EXPECT_EQ(IdsOf(store_->Search(all)),
            (std::vector<model::TraceId>{TraceIdOf(4), TraceIdOf(3), TraceIdOf(2), TraceIdOf(1)}));  // most recent first
  SearchRequest middle;
  middle.range = {.start_unix_nano = kEpoch + 2 * kMinute, .end_unix_nano = kEpoch + 5 * kMinute};
  EXPECT_EQ(IdsOf(store_->Search(middle)), (std::vector<model::TraceId>{TraceIdOf(4), TraceIdOf(3), TraceIdOf(2)}));
  middle.limit = 2;
  EXPECT_EQ(IdsOf(store_->Search(middle)), (std::vector<model::TraceId>{TraceIdOf(4), TraceIdOf(3)}));

  SearchRequest filtered;
  filtered.filter = SpanFilter::Compare({{Intrinsic::kServiceName}, CompareOp::kEq, std::string("svc2")});
  EXPECT_EQ(IdsOf(store_->Search(filtered)), (std::vector<model::TraceId>{TraceIdOf(2)}));

  EXPECT_EQ(store_->Services(), (std::vector<std::string>{"svc1", "svc2", "svc3", "svc4"}));
  EXPECT_EQ(store_->Services(middle.range), (std::vector<std::string>{"svc2", "svc3", "svc4"}));
  const std::vector<Operation> operations = store_->Operations("svc4");
  EXPECT_EQ(operations.size(), 2u);  // span names "GET /item/1" SERVER and "GET /item/2" CLIENT
  EXPECT_EQ(store_->Operations("svc1"), store_->Operations("svc4"));
}

TEST_F(EmbeddedStoreTest, DependenciesSumBlocksAndHead) {
  Open();
  auto call = [&](std::uint64_t trace) {
    WriteOk(BatchOf("frontend", SpansOf(trace, 1, kEpoch)));
    WriteOk(BatchOf("backend", SpansOf(trace, 1, kEpoch, /*first=*/2)));  // child of span 1
  };
  call(1);
  ASSERT_TRUE(store_->CutHead(true).ok());
  call(2);
  ASSERT_TRUE(store_->CutHead(true).ok());
  call(3);
  const std::vector<DependencyLink> links = store_->Dependencies({});
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0], (DependencyLink{"frontend", "backend", 3, 0}));
}

TEST_F(EmbeddedStoreTest, IdleTracesAreCutAndBusyOnesWait) {
  EmbeddedStoreOptions options = Options();
  options.trace_idle = std::chrono::seconds(10);
  options.head_max_age = std::chrono::seconds(30);
  Open(options);
  WriteOk(BatchOf("svc", SpansOf(1, 1, kEpoch)));
  WriteOk(BatchOf("svc", SpansOf(2, 1, kEpoch)));
  now_ += 8 * kSecond;
  WriteOk(BatchOf("svc", SpansOf(2, 1, kEpoch, 2)));  // trace 2 is still busy
  now_ += 3 * kSecond;
  ASSERT_TRUE(store_->CutHead().ok());
  EXPECT_EQ(store_->stats().blocks, 1u);
  EXPECT_EQ(store_->stats().head_traces, 1u);
  EXPECT_EQ(store_->stats().head_spans, 2u);
}

TEST_F(EmbeddedStoreTest, CutDeletesCoveredWalSegmentsAndReplayDoesNotDuplicate) {
  EmbeddedStoreOptions options = Options();
  options.trace_idle = std::chrono::seconds(10);
  Open(options);
  WriteOk(BatchOf("svc", SpansOf(1, 3, kEpoch)));
  now_ += 20 * kSecond;
  WriteOk(BatchOf("svc", SpansOf(2, 3, kEpoch)));  // same segment, not idle
  ASSERT_TRUE(store_->CutHead().ok());            // cuts trace 1 only: segment 1 must stay
  EXPECT_EQ(store_->stats().wal_segments, 1u);

  Reopen();  // segment 1 replays trace 1 too, but a block holds it
  EXPECT_EQ(store_->recovery().spans_already_in_blocks, 3u);
  EXPECT_EQ(store_->recovery().spans_replayed, 3u);
  const std::vector<TraceSummary> hits = store_->Search({});
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].span_count, 3u);
  EXPECT_EQ(hits[1].span_count, 3u);

  WriteOk(BatchOf("svc", SpansOf(3, 1, kEpoch)));  // goes to segment 2
  ASSERT_TRUE(store_->CutHead(true).ok());
  WriteOk(BatchOf("svc", SpansOf(4, 1, kEpoch)));  // segment 3 (the cut asked for a new one)
  ASSERT_TRUE(store_->CutHead(true).ok());
  EXPECT_EQ(store_->stats().wal_segments, 1u);  // only the current one is left
  EXPECT_GE(Counter("hoptrace_store_wal_segments_deleted_total"), 2u);
  Reopen();
  EXPECT_EQ(store_->recovery().spans_replayed, 0u);
  EXPECT_EQ(store_->Search({}).size(), 4u);
}

TEST_F(EmbeddedStoreTest, GroupCommitOfEightConcurrentWritersIsDurable) {
  EmbeddedStoreOptions options = Options();
  options.fsync = FsyncPolicy::kEveryWrite;
  Open(options);
  constexpr int kWriters = 8;
  constexpr int kWritesEach = 40;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kWritesEach; ++i) {
        const std::uint64_t trace = static_cast<std::uint64_t>(w * 1000 + i + 1);
        if (!store_->Write(BatchOf("svc", SpansOf(trace, 2, kEpoch))).ok()) ++failures;
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(failures, 0);
  const std::uint64_t fsyncs = Counter("hoptrace_store_wal_fsyncs_total");
  const std::uint64_t groups = Counter("hoptrace_store_wal_group_commits_total");
  EXPECT_GE(fsyncs, 1u);
  EXPECT_LE(fsyncs, static_cast<std::uint64_t>(kWriters * kWritesEach));
  EXPECT_EQ(fsyncs, groups);
  std::cout << "group commit: " << kWriters * kWritesEach << " writes in " << groups << " groups\n";

  Reopen();
  EXPECT_EQ(store_->recovery().spans_replayed, static_cast<std::uint64_t>(kWriters * kWritesEach * 2));
  for (int w = 0; w < kWriters; ++w) {
    for (int i = 0; i < kWritesEach; ++i) {
      EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(static_cast<std::uint64_t>(w * 1000 + i + 1)))), 2u);
    }
  }
}

// RLIMIT_FSIZE stands in for a full disk (no small tmpfs here): appends past it fail with EFBIG.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(std::uint64_t bytes) {
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    ::getrlimit(RLIMIT_FSIZE, &previous_);
    rlimit limited = previous_;
    limited.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &previous_);
    std::signal(SIGXFSZ, previous_handler_);
  }

 private:
  rlimit previous_{};
  void (*previous_handler_)(int) = nullptr;
};

TEST_F(EmbeddedStoreTest, DiskFullFailsWritesWithoutHalfAcknowledgingAndRecovers) {
  EmbeddedStoreOptions options = Options();
  options.fsync = FsyncPolicy::kEveryWrite;
  Open(options);
  WriteOk(BatchOf("svc", SpansOf(1, 2, kEpoch)));
  const std::uint64_t wal_bytes = DirectoryBytes(dir_.path() / "wal");
  {
    const FileSizeLimit full(wal_bytes + 100);
    const Status failed = store_->Write(BatchOf("svc", SpansOf(2, 20, kEpoch)));
    EXPECT_EQ(failed.code(), Status::Code::kIoError) << failed.message();
    EXPECT_EQ(store_->GetTrace(TraceIdOf(2)), std::nullopt);  // not in the head either
    EXPECT_EQ(store_->Write(BatchOf("svc", SpansOf(3, 20, kEpoch))).code(), Status::Code::kIoError);
  }
  EXPECT_EQ(Counter("hoptrace_store_write_errors_total"), 2u);
  WriteOk(BatchOf("svc", SpansOf(4, 2, kEpoch)));  // space is back
  EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(1))), 2u);
  EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(4))), 2u);

  Reopen();
  EXPECT_EQ(store_->recovery().torn_or_corrupt_records, 0u);  // the failed append was cut off
  EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(1))), 2u);
  EXPECT_EQ(store_->GetTrace(TraceIdOf(2)), std::nullopt);
  EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(4))), 2u);
}

TEST_F(EmbeddedStoreTest, CorruptBlockIsQuarantinedAndTheStoreStarts) {
  Open();
  WriteOk(BatchOf("svc", SpansOf(1, 2, kEpoch)));
  ASSERT_TRUE(store_->CutHead(true).ok());
  WriteOk(BatchOf("svc", SpansOf(2, 2, kEpoch)));
  ASSERT_TRUE(store_->CutHead(true).ok());
  store_.reset();
  std::vector<fs::path> blocks;
  for (const auto& entry : fs::directory_iterator(dir_.path() / "blocks")) blocks.push_back(entry.path());
  std::sort(blocks.begin(), blocks.end());
  ASSERT_EQ(blocks.size(), 2u);
  fs::resize_file(blocks[0], fs::file_size(blocks[0]) / 2);

  Reopen();
  EXPECT_EQ(store_->recovery().blocks_quarantined, 1u);
  EXPECT_EQ(store_->recovery().blocks, 1u);
  EXPECT_TRUE(fs::exists(dir_.path() / "quarantine" / blocks[0].filename()));
  EXPECT_FALSE(fs::exists(blocks[0]));
  EXPECT_TRUE(Logged("quarantine"));
  EXPECT_EQ(Counter("hoptrace_store_blocks_quarantined_total"), 1u);
  EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(2))), 2u);
  WriteOk(BatchOf("svc", SpansOf(3, 2, kEpoch)));
  ASSERT_TRUE(store_->CutHead(true).ok());
  EXPECT_NE(store_->stats().blocks, 0u);
}

TEST_F(EmbeddedStoreTest, RetentionByBytesDeletesOldestBlocksAndFreesDisk) {
  Open();
  for (std::uint64_t trace = 1; trace <= 6; ++trace) {
    WriteOk(BatchOf("svc", SpansOf(trace, 200, kEpoch + trace * kMinute)));
    ASSERT_TRUE(store_->CutHead(true).ok());
  }
  const std::uint64_t before = DirectoryBytes(dir_.path() / "blocks");
  const std::uint64_t block_bytes = store_->stats().block_bytes;
  EXPECT_EQ(before, block_bytes);

  EmbeddedStoreOptions options = Options();
  options.retention_max_bytes = block_bytes / 2;
  Open(options);
  ASSERT_TRUE(store_->ApplyRetention().ok());
  const std::uint64_t after = DirectoryBytes(dir_.path() / "blocks");
  std::cout << "retention: blocks " << before << " -> " << after << " bytes\n";
  EXPECT_LE(after, block_bytes / 2);
  EXPECT_EQ(after, store_->stats().block_bytes);
  EXPECT_EQ(store_->GetTrace(TraceIdOf(1)), std::nullopt);  // the oldest went first
  EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(6))), 200u);
  EXPECT_EQ(Counter("hoptrace_store_blocks_deleted_total"), 6 - store_->stats().blocks);
}

TEST_F(EmbeddedStoreTest, RetentionByAgeUsesSpanTime) {
  EmbeddedStoreOptions options = Options();
  options.retention_age = std::chrono::hours(1);
  Open(options);
  WriteOk(BatchOf("svc", SpansOf(1, 2, kEpoch)));
  ASSERT_TRUE(store_->CutHead(true).ok());
  WriteOk(BatchOf("svc", SpansOf(2, 2, kEpoch + 50 * kMinute)));
  ASSERT_TRUE(store_->CutHead(true).ok());
  now_ = kEpoch + 70 * kMinute;
  ASSERT_TRUE(store_->ApplyRetention().ok());
  EXPECT_EQ(store_->stats().blocks, 1u);
  EXPECT_EQ(store_->GetTrace(TraceIdOf(1)), std::nullopt);
  EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(2))), 2u);
}

TEST_F(EmbeddedStoreTest, CompactionMergesSmallBlocksAndKeepsEveryAnswer) {
  Open();
  for (std::uint64_t round = 0; round < 4; ++round) {
    WriteOk(BatchOf("svc", SpansOf(1, 2, kEpoch, round * 2 + 1)));  // trace 1 in every block
    WriteOk(BatchOf("svc", SpansOf(round + 10, 3, kEpoch + round * kMinute)));
    ASSERT_TRUE(store_->CutHead(true).ok());
  }
  const auto before_search = store_->Search({});
  ASSERT_EQ(store_->stats().blocks, 4u);
  ASSERT_TRUE(store_->Compact().ok());
  EXPECT_EQ(store_->stats().blocks, 1u);
  EXPECT_EQ(Counter("hoptrace_store_blocks_compacted_total"), 4u);
  EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(1))), 8u);
  const auto after_search = store_->Search({});
  ASSERT_EQ(IdsOf(after_search), IdsOf(before_search));
  for (const TraceSummary& summary : after_search) {
    EXPECT_EQ(summary.span_count, summary.trace_id == TraceIdOf(1) ? 8u : 3u);
  }
}

// Four cut-sized blocks (traces 2, 3 and 4 split over two of them each) and a span written after them.
class DeferredCompactionTest : public EmbeddedStoreTest {
 protected:
  void OpenAndCutFourBlocks(std::size_t max_deferred_blocks, std::size_t max_spans = 1'000'000) {
    EmbeddedStoreOptions options = Options();
    options.cut_max_spans = 4;
    options.compaction_fanout = 2;
    options.compaction_max_spans = max_spans;
    options.compaction_max_deferred_blocks = max_deferred_blocks;
    Open(options);
    CutFourBlocks(0);
  }
  void CutFourBlocks(std::uint64_t first_trace) {
    const std::size_t blocks = store_->stats().blocks;
    for (std::uint64_t round = 0; round < 4; ++round) {
      WriteOk(BatchOf("svc", SpansOf(first_trace + round + 1, 2, kEpoch + round * kMinute, 3)));
      WriteOk(BatchOf("svc", SpansOf(first_trace + round + 2, 2, kEpoch + round * kMinute, 1)));
      ASSERT_TRUE(store_->CutHead(true).ok());
    }
    ASSERT_EQ(store_->stats().blocks, blocks + 4);
    WriteOk(BatchOf("svc", SpansOf(99, 1, kEpoch)));  // ingest goes on
  }
};

TEST_F(DeferredCompactionTest, CutSizedBlocksWaitWhileSpansArriveThenMergeIntoOneWithTracesWhole) {
  OpenAndCutFourBlocks(64);
  ASSERT_TRUE(store_->Compact(/*defer_while_ingesting=*/true).ok());
  EXPECT_EQ(store_->stats().blocks, 4u);  // deferred: spans arrived since the last compaction
  ASSERT_TRUE(store_->Compact(true).ok());  // none since: 4 -> 2 -> 1
  EXPECT_EQ(store_->stats().blocks, 1u);
  EXPECT_EQ(Counter("hoptrace_store_blocks_compacted_total"), 6u);
  EXPECT_EQ(Counter("hoptrace_store_compaction_spans_total"), 16u + 16u);
  for (std::uint64_t trace = 2; trace <= 4; ++trace) EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(trace))), 4u);
}

TEST_F(DeferredCompactionTest, OverTheDeferredBlockCapBlocksMergeWhileSpansArrive) {
  OpenAndCutFourBlocks(3);
  ASSERT_TRUE(store_->Compact(/*defer_while_ingesting=*/true).ok());
  EXPECT_EQ(store_->stats().blocks, 2u);  // 4 -> 2, then within the cap again
  for (std::uint64_t trace = 2; trace <= 4; ++trace) EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(trace))), 4u);
}

TEST_F(DeferredCompactionTest, FinalBlocksDoNotCountAgainstTheCap) {
  OpenAndCutFourBlocks(4, /*max_spans=*/8);
  ASSERT_TRUE(store_->Compact().ok());
  ASSERT_EQ(store_->stats().blocks, 2u);  // of 8 spans: final, two would pass max_spans
  ASSERT_TRUE(store_->CutHead(true).ok());  // the late span: a block of one, alone in its tier
  CutFourBlocks(10);
  ASSERT_TRUE(store_->Compact(/*defer_while_ingesting=*/true).ok());
  EXPECT_EQ(store_->stats().blocks, 7u);  // 7 blocks, but only the 4 new ones are due: within the cap
}

TEST_F(DeferredCompactionTest, CompactWithoutDeferringMergesNow) {
  OpenAndCutFourBlocks(64);
  ASSERT_TRUE(store_->Compact().ok());
  EXPECT_EQ(store_->stats().blocks, 1u);
}

std::size_t BlockFiles(const fs::path& blocks_dir) {
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(blocks_dir)) files += entry.path().extension() == ".block";
  return files;
}

// Whether each block file in `blocks_dir` says it was written raw, read as a restart would, once
// the files are the store's blocks (a replaced block's file goes when the last query holding it ends).
std::vector<bool> StoredRaw(const fs::path& blocks_dir, std::size_t blocks) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (BlockFiles(blocks_dir) != blocks && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::vector<bool> raw;
  for (const auto& entry : fs::directory_iterator(blocks_dir)) {
    if (entry.path().extension() != ".block") continue;
    std::unique_ptr<block::BlockReader> reader;
    EXPECT_TRUE(block::BlockReader::Open(entry.path(), {}, &reader).ok()) << entry.path();
    if (reader) raw.push_back(reader->meta().stored_raw);
  }
  return raw;
}

// With compaction_max_spans at the cut's size (the default's ratio), a full cut block is written
// compressed and stays as cut: no merge, no rewrite. A smaller one is written raw and rewritten.
TEST_F(DeferredCompactionTest, FullCutBlocksAreWrittenCompressedAndKeptWhenNoMergeCanTakeThem) {
  OpenAndCutFourBlocks(64, /*max_spans=*/4);
  const fs::path blocks_dir = dir_.path() / "blocks";
  EXPECT_EQ(StoredRaw(blocks_dir, 4), std::vector<bool>(4, false));
  ASSERT_TRUE(store_->Compact().ok());
  EXPECT_EQ(store_->stats().blocks, 4u);
  ASSERT_TRUE(store_->CutHead(true).ok());  // the late span: a block of one, raw
  EXPECT_EQ(store_->stats().raw_blocks, 1u);
  ASSERT_TRUE(store_->Compact().ok());  // rewritten alone, compressed
  EXPECT_EQ(StoredRaw(blocks_dir, 5), std::vector<bool>(5, false));
  EXPECT_EQ(Counter("hoptrace_store_blocks_compacted_total"), 1u);
  for (std::uint64_t trace = 2; trace <= 4; ++trace)
    EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(trace))), 4u);
}

// A cut's block is raw; no merge takes it alone in its tier, so compaction rewrites it compressed:
// while spans keep arriving once it has waited head_max_age, at once when they stopped and the head
// is empty. Queries on another thread see every span of it before, during and after each rewrite.
TEST_F(EmbeddedStoreTest, ALoneRawBlockIsRewrittenCompressedAfterItsWait) {
  EmbeddedStoreOptions options = Options();
  options.head_max_age = std::chrono::seconds(30);
  Open(options);
  constexpr std::uint64_t kSpans = 3'000;
  WriteOk(BatchOf("svc", SpansOf(1, kSpans, kEpoch)));
  ASSERT_TRUE(store_->CutHead(true).ok());
  const fs::path blocks_dir = dir_.path() / "blocks";
  ASSERT_EQ(StoredRaw(blocks_dir, store_->stats().blocks), std::vector<bool>{true});
  const std::uint64_t raw_bytes = store_->stats().block_bytes;

  std::atomic<bool> compacting{true};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (compacting && std::chrono::steady_clock::now() < deadline) {
      EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(1))), kSpans);
      const std::vector<model::TraceId> found = IdsOf(store_->Search({}));
      EXPECT_EQ(std::count(found.begin(), found.end(), TraceIdOf(1)), 1);
      ++reads;
    }
  });
  WriteOk(BatchOf("svc", SpansOf(2, 1, kEpoch)));  // spans keep arriving (trace 2 stays in the head)
  EXPECT_TRUE(store_->Compact(/*defer_while_ingesting=*/true).ok());
  EXPECT_EQ(StoredRaw(blocks_dir, store_->stats().blocks), std::vector<bool>{true}) << "rewritten before its wait";
  now_ += 30 * kSecond;
  WriteOk(BatchOf("svc", SpansOf(3, 1, kEpoch)));
  EXPECT_TRUE(store_->Compact(true).ok());
  EXPECT_EQ(StoredRaw(blocks_dir, store_->stats().blocks), std::vector<bool>{false});
  EXPECT_EQ(Counter("hoptrace_store_blocks_compacted_total"), 1u);
  EXPECT_LT(store_->stats().block_bytes * 2, raw_bytes);

  now_ += 11 * kSecond;  // traces 2 and 3 idle
  WriteOk(BatchOf("svc", SpansOf(4, 1, kEpoch)));
  EXPECT_TRUE(store_->CutHead().ok());  // traces 2 and 3: a second lone raw block; trace 4 stays
  EXPECT_EQ(StoredRaw(blocks_dir, store_->stats().blocks).size(), 2u);
  EXPECT_TRUE(store_->Compact(true).ok());
  EXPECT_TRUE(store_->Compact(true).ok());  // no span since, but the head's may bring partners
  EXPECT_EQ(Counter("hoptrace_store_blocks_compacted_total"), 1u);
  EXPECT_TRUE(store_->CutHead(true).ok());  // trace 4: a third block, raw, in the same tier
  EXPECT_TRUE(store_->Compact(true).ok());  // no span since and none in the head: rewritten at once
  EXPECT_EQ(StoredRaw(blocks_dir, store_->stats().blocks), (std::vector<bool>{false, false, false}));
  compacting = false;
  reader.join();
  EXPECT_GT(reads, 0);
  EXPECT_EQ(Counter("hoptrace_store_blocks_compacted_total"), 3u);
  EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(1))), kSpans);
  EXPECT_EQ(IdsOf(store_->Search({})).size(), 4u);
}

// Blocks still raw are reported apart, in the stats and the gauges, until compaction rewrites them
// compressed; a reopened store reads which ones are raw from the blocks.
TEST_F(EmbeddedStoreTest, RawBlocksAndTheirBytesAreReportedUntilCompactionRewritesThem) {
  Open();
  auto expect_reported = [&](std::size_t blocks, std::size_t raw_blocks) {
    const EmbeddedStoreStats stats = store_->stats();
    EXPECT_EQ(stats.blocks, blocks);
    EXPECT_EQ(stats.raw_blocks, raw_blocks);
    EXPECT_EQ(stats.raw_block_bytes > 0, raw_blocks > 0);
    EXPECT_LE(stats.raw_block_bytes, stats.block_bytes);
    EXPECT_EQ(Counter("hoptrace_store_raw_blocks"), raw_blocks);
    EXPECT_EQ(Counter("hoptrace_store_raw_block_bytes"), stats.raw_block_bytes);
    return stats;
  };
  WriteOk(BatchOf("svc", SpansOf(1, 3'000, kEpoch)));
  ASSERT_TRUE(store_->CutHead(true).ok());
  const EmbeddedStoreStats cut = expect_reported(1, 1);
  EXPECT_EQ(cut.raw_block_bytes, cut.block_bytes);

  ASSERT_TRUE(store_->Compact().ok());  // no span arrives and the head is empty: rewritten at once
  expect_reported(1, 0);

  WriteOk(BatchOf("svc", SpansOf(2, 10, kEpoch)));
  ASSERT_TRUE(store_->CutHead(true).ok());
  const EmbeddedStoreStats mixed = expect_reported(2, 1);
  EXPECT_LT(mixed.raw_block_bytes, mixed.block_bytes);
  Reopen();
  EXPECT_EQ(expect_reported(2, 1).raw_block_bytes, mixed.raw_block_bytes);
}

// A merge's inputs are released (readers closed, files deleted) when that merge is done, not when the
// round of merges is: a round of two merges whose second fails, counting the block files at the failure.
TEST_F(EmbeddedStoreTest, AMergesInputsAreDeletedBeforeTheRoundsNextMerge) {
  EmbeddedStoreOptions options = Options();
  options.cut_max_spans = 400;  // tier 0 below 100 spans, tier 1 from 100 to 399 (fanout 4)
  const fs::path blocks_dir = dir_.path() / "blocks";
  std::atomic<std::size_t> files_at_failure{0};  // when the second merge failed
  options.log = [&](std::string_view line) {
    if (line.starts_with("writing block")) files_at_failure = BlockFiles(blocks_dir);
  };
  Open(options);
  for (std::uint64_t block = 0; block < 4; ++block) {
    WriteOk(BatchOf("svc", SpansOf(block + 1, 300, kEpoch + block * kMinute)));
    ASSERT_TRUE(store_->CutHead(true).ok());
  }
  const std::uint64_t tier_one_bytes = store_->stats().block_bytes;
  for (std::uint64_t block = 0; block < 4; ++block) {
    WriteOk(BatchOf("svc", SpansOf(block + 10, 1, kEpoch + block * kMinute)));
    ASSERT_TRUE(store_->CutHead(true).ok());
  }
  ASSERT_EQ(BlockFiles(blocks_dir), 8u);
  {
    // The tier-0 merge (4 spans) runs first and fits under the limit (its four raw inputs together);
    // the tier-1 merge (1,200 spans) does not.
    const FileSizeLimit full(store_->stats().block_bytes - tier_one_bytes);
    EXPECT_EQ(store_->Compact().code(), Status::Code::kIoError);
  }
  EXPECT_EQ(files_at_failure.load(), 4u + 1u)
      << "the first merge's four inputs were still on disk while the second merge ran";
  EXPECT_EQ(store_->stats().blocks, 5u);
  EXPECT_EQ(Counter("hoptrace_store_blocks_compacted_total"), 4u);
  store_.reset();  // closed while what its log callback refers to is still there
}

TEST_F(EmbeddedStoreTest, BackpressureWhenCuttingFallsBehind) {
  EmbeddedStoreOptions options = Options();
  options.head_max_spans = 10;
  Open(options);
  Status status;
  int accepted = 0;
  for (std::uint64_t trace = 1; trace <= 30 && status.ok(); ++trace) {
    status = store_->Write(BatchOf("svc", SpansOf(trace, 1, kEpoch)));
    if (status.ok()) ++accepted;
  }
  EXPECT_EQ(status.code(), Status::Code::kResourceExhausted);
  EXPECT_EQ(accepted, 20);
  ASSERT_TRUE(store_->CutHead().ok());  // over the limit: everything is cut
  WriteOk(BatchOf("svc", SpansOf(99, 1, kEpoch)));
}

// With background cuts, a write that finds the head full waits for the cut it asks for instead of
// being refused: each write here fills the head to its backpressure limit, so the next one finds it
// full unless the cut (block written and fsynced) already ran in between.
TEST_F(EmbeddedStoreTest, AFullHeadMakesWritesWaitForTheBackgroundCut) {
  EmbeddedStoreOptions options = Options();
  options.background = true;
  options.clock = nullptr;  // real time
  options.retention_age = std::chrono::seconds(0);  // the spans are from 2024
  options.maintenance_interval = std::chrono::hours(1);  // cuts only when a write asks
  options.head_max_spans = 10;
  Open(options);
  constexpr std::uint64_t kWrites = 200;
  for (std::uint64_t trace = 1; trace <= kWrites; ++trace) WriteOk(BatchOf("svc", SpansOf(trace, 20, kEpoch)));
  EXPECT_GT(Counter("hoptrace_store_writes_waited_for_head_room_total"), 0u);
  EXPECT_EQ(Counter("hoptrace_store_write_errors_total"), 0u);
  for (const std::uint64_t trace : {std::uint64_t{1}, kWrites}) EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(trace))), 20u);
}

// Head memory freed by a cut stays pooled for the next spans: it is in the head's bytes and metrics,
// but the head's limits weigh only what its spans hold, or the store would keep cutting.
TEST_F(EmbeddedStoreTest, PooledHeadMemoryIsReportedButDoesNotCountAgainstTheLimits) {
  EmbeddedStoreOptions options = Options();
  options.head_max_bytes = 6 << 20;
  Open(options);
  for (std::uint64_t trace = 1; trace <= 20; ++trace) WriteOk(BatchOf("svc", SpansOf(trace, 1000, kEpoch)));
  const EmbeddedStoreStats full = store_->stats();
  ASSERT_GE(full.head_bytes, options.head_max_bytes);
  ASSERT_LE(full.head_bytes, options.head_max_bytes * 7 / 4);  // well below backpressure (twice the limit)
  ASSERT_TRUE(store_->CutHead().ok());  // over the limit: everything is cut
  const EmbeddedStoreStats cut = store_->stats();
  EXPECT_EQ(cut.head_spans, 0u);
  EXPECT_GE(cut.head_pooled_bytes, 4u << 20);
  EXPECT_EQ(Counter("hoptrace_store_head_pooled_bytes"), cut.head_pooled_bytes);
  EXPECT_EQ(Counter("hoptrace_store_head_bytes"), cut.head_bytes + cut.head_pooled_bytes);
  // The cut's kept buffers are reported too: 20,000 spans' worth is well over 1 MiB.
  EXPECT_GE(cut.cut_buffer_bytes, 1u << 20);
  EXPECT_EQ(Counter("hoptrace_store_cut_buffer_bytes"), cut.cut_buffer_bytes);

  WriteOk(BatchOf("svc", SpansOf(99, 1, kEpoch)));
  ASSERT_TRUE(store_->CutHead().ok());
  EXPECT_EQ(store_->stats().head_spans, 1u);  // neither idle nor old, and the head is under its limit
}

TEST_F(EmbeddedStoreTest, WalRecordsInTheOldModelEncodingAreRefusedWithAMessage) {
  AppendToWal({{wal::RecordType::kModelBatch, "\x01 a batch in the first encoding"}});
  Open();
  EXPECT_EQ(store_->recovery().undecodable_records, 1u);
  EXPECT_EQ(store_->recovery().wal_records, 1u);
  EXPECT_TRUE(Logged("1 WAL records in the first WAL encoding"));
  WriteOk(BatchOf("svc", SpansOf(1, 1, kEpoch)));  // the store works on
}

// Recovery repeats the cuts the WAL's cut records describe: a committed cut's spans are in a block
// (dropped from the replayed head without a lookup), spans that arrived during a cut and the spans
// of an unfinished cut stay.
TEST_F(EmbeddedStoreTest, ReplayRepeatsCommittedCutsAndGivesBackUnfinishedOnes) {
  auto request = [](std::uint64_t trace, std::uint64_t count, std::uint64_t first = 1) {
    return std::pair{wal::RecordType::kOtlpRequest,
                     otlp::SerializeExportRequest(BatchOf("svc", SpansOf(trace, count, kEpoch, first)))};
  };
  auto cut = [](engine::CutEvent event, std::uint64_t number, std::vector<model::TraceId> traces = {}) {
    return std::pair{wal::RecordType::kCut,
                     engine::EncodeCutRecord({.event = event, .cut = number, .traces = std::move(traces)})};
  };
  AppendToWal({request(1, 3), request(2, 2), cut(engine::CutEvent::kFrozen, 7, {TraceIdOf(1)}), request(1, 1, 4),
               cut(engine::CutEvent::kCommitted, 7),
               cut(engine::CutEvent::kFrozen, 8, {TraceIdOf(2)})});  // the process died before its block was done
  for (int open = 0; open < 2; ++open) {  // the second replay also reads the abandon record the first wrote
    Reopen();
    EXPECT_EQ(store_->recovery().spans_already_in_blocks, 3u);
    EXPECT_EQ(store_->recovery().spans_replayed, 3u);
    EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(1))), 1u);
    EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(2))), 2u);
  }
  ASSERT_TRUE(store_->CutHead(true).ok());  // numbered past the replayed cuts: 8 stays abandoned
  Reopen();
  EXPECT_EQ(store_->recovery().spans_replayed, 0u);
  EXPECT_EQ(store_->recovery().undecodable_records, 0u);
  EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(1))), 1u);
  EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(2))), 2u);
}

// A process from before cut records left a WAL that still holds spans it had cut into a block (the
// segment held other spans too). The first open finds those in the blocks and the next cut leaves
// them out, so the trace is stored once; later opens trust the cut records again.
TEST_F(EmbeddedStoreTest, AWalFromBeforeCutRecordsDoesNotStoreSpansTwice) {
  Open();
  WriteOk(BatchOf("svc", SpansOf(1, 3, kEpoch)));
  ASSERT_TRUE(store_->CutHead(true).ok());
  store_.reset();
  for (const char* earlier_version_lacks : {"wal", "WAL_RECORDS_CUTS"}) fs::remove_all(dir_.path() / earlier_version_lacks);
  AppendToWal({{wal::RecordType::kOtlpRequest, otlp::SerializeExportRequest(BatchOf("svc", SpansOf(1, 3, kEpoch)))},
               {wal::RecordType::kOtlpRequest, otlp::SerializeExportRequest(BatchOf("svc", SpansOf(1, 1, kEpoch, 4)))}});

  Open();
  EXPECT_EQ(store_->recovery().spans_already_in_blocks, 3u);
  EXPECT_TRUE(Logged("the WAL predates cut records: 1 replayed traces"));
  EXPECT_FALSE(fs::exists(dir_.path() / "WAL_RECORDS_CUTS"));  // until that cut is done
  ASSERT_TRUE(store_->CutHead(true).ok());
  EXPECT_TRUE(fs::exists(dir_.path() / "WAL_RECORDS_CUTS"));
  for (int open = 0; open < 2; ++open) {
    const std::vector<TraceSummary> hits = store_->Search({});
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].span_count, 4u);  // 3 in the first block, span 4 in the second
    EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(1))), 4u);
    Reopen();
  }
}

TEST_F(EmbeddedStoreTest, AMalformedCutRecordIsSkippedAndCounted) {
  AppendToWal({{wal::RecordType::kCut, "\x09 not a cut"}});
  Open();
  EXPECT_EQ(store_->recovery().undecodable_records, 1u);
  EXPECT_TRUE(Logged("cut record that does not decode"));
  WriteOk(BatchOf("svc", SpansOf(1, 1, kEpoch)));
}

TEST_F(EmbeddedStoreTest, WriteOtlpOfPartOfARequestLogsAndReplaysOnlyThatPart) {
  Open();
  const std::string request = otlp::SerializeExportRequest(BatchOf("svc", SpansOf(1, 3, kEpoch)));
  otlp::wire::ScannedRequest scan;
  otlp::DecodeReport report;
  std::string error;
  ASSERT_TRUE(otlp::wire::Scan(request, {}, &scan, &report, &error)) << error;
  scan.spans.erase(scan.spans.begin() + 1);  // a sampler kept spans 1 and 3
  ASSERT_TRUE(store_->WriteOtlp({.request = request, .scan = scan, .request_is_exact = false}).ok());
  const std::vector<model::Span> all = SpansOf(1, 3, kEpoch);
  const model::TraceBatch kept = BatchOf("svc", {all[0], all[2]});
  EXPECT_EQ(store_->GetTrace(TraceIdOf(1)), kept);
  Reopen();
  EXPECT_EQ(store_->recovery().spans_replayed, 2u);
  EXPECT_EQ(store_->GetTrace(TraceIdOf(1)), kept);
}

TEST_F(EmbeddedStoreTest, ACutWritesBlocksOfAtMostCutMaxSpans) {
  EmbeddedStoreOptions options = Options();
  options.cut_max_spans = 10;
  Open(options);
  for (std::uint64_t trace = 1; trace <= 10; ++trace) WriteOk(BatchOf("svc", SpansOf(trace, 3, kEpoch)));
  ASSERT_TRUE(store_->CutHead(true).ok());
  EXPECT_EQ(store_->stats().blocks, 3u);  // whole traces: 12 + 12 + 6 spans
  EXPECT_EQ(store_->stats().head_spans, 0u);
  for (std::uint64_t trace = 1; trace <= 10; ++trace) EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(trace))), 3u);
}

TEST_F(EmbeddedStoreTest, SecondOpenOfTheSameDirectoryIsRefused) {
  Open();
  std::unique_ptr<EmbeddedStore> second;
  EXPECT_EQ(EmbeddedStore::Open(Options(), &second).code(), Status::Code::kUnavailable);
}

// Writers, readers and the background cutter and compactor at once, bounded in count and time.
TEST_F(EmbeddedStoreTest, ConcurrentWritesQueriesCutsAndCompaction) {
  EmbeddedStoreOptions options = Options();
  options.background = true;
  options.clock = nullptr;  // real time
  options.retention_age = std::chrono::seconds(0);  // the spans are from 2024
  options.maintenance_interval = std::chrono::milliseconds(5);
  options.trace_idle = std::chrono::milliseconds(5);
  options.head_max_age = std::chrono::milliseconds(20);
  options.compaction_target_bytes = 64 << 10;
  Open(options);
  constexpr int kWriters = 4;
  constexpr std::uint64_t kTracesEach = 150;
  std::atomic<bool> writing{true};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (std::uint64_t i = 0; i < kTracesEach; ++i) {
        const std::uint64_t trace = static_cast<std::uint64_t>(w) * 10'000 + i + 1;
        EXPECT_TRUE(store_->Write(BatchOf("svc" + std::to_string(w), SpansOf(trace, 2, kEpoch + i))).ok());
        EXPECT_EQ(CountSpans(store_->GetTrace(TraceIdOf(trace))), 2u);  // readable right after Write
      }
    });
  }
  std::atomic<int> queries{0};
  threads.emplace_back([&] {
    while (writing) {
      store_->Search({});
      store_->Services();
      store_->Dependencies({});
      ++queries;
    }
  });
  for (int w = 0; w < kWriters; ++w) threads[static_cast<std::size_t>(w)].join();
  writing = false;
  threads.back().join();
  EXPECT_GT(queries, 0);
  // The background thread cuts idle traces every 5 ms; on a loaded machine the writers may finish
  // first, so wait (bounded) for it rather than race it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Counter("hoptrace_store_blocks_cut_total") == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(Counter("hoptrace_store_blocks_cut_total"), 0u);

  SearchRequest everything;
  everything.limit = kWriters * kTracesEach + 10;
  EXPECT_EQ(store_->Search(everything).size(), kWriters * kTracesEach);
  Reopen();
  EXPECT_EQ(store_->Search(everything).size(), kWriters * kTracesEach);
}

}  // namespace
}  // namespace hoptrace::store::testing
