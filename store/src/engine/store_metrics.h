#pragma once
// The embedded store's counters and gauges, looked up once at open.

#include "hoptrace/metrics/registry.h"

namespace hoptrace::store::engine {

struct StoreMetrics {
  explicit StoreMetrics(metrics::Registry& r)
      : spans_written(r.GetCounter("hoptrace_store_spans_written_total", "Spans acknowledged by Write")),
        write_errors(r.GetCounter("hoptrace_store_write_errors_total",
                                  "Writes refused or failed (nothing acknowledged)")),
        writes_waited(r.GetCounter("hoptrace_store_writes_waited_for_head_room_total",
                                   "Writes that found the head full and waited for a cut to make room")),
        write_seconds(
            r.GetHistogram("hoptrace_store_write_seconds", "Write latency, group commit and fsync included")),
        wal_bytes(r.GetCounter("hoptrace_store_wal_bytes_total", "Bytes appended to the WAL")),
        wal_fsyncs(r.GetCounter("hoptrace_store_wal_fsyncs_total", "WAL fdatasync calls")),
        wal_group_commits(
            r.GetCounter("hoptrace_store_wal_group_commits_total", "WAL appends (one per group of writers)")),
        wal_segments_created(
            r.GetCounter("hoptrace_store_wal_segments_created_total", "WAL segment files started")),
        wal_segments_deleted(r.GetCounter("hoptrace_store_wal_segments_deleted_total",
                                          "WAL segment files deleted after their spans reached blocks")),
        wal_segments(r.GetGauge("hoptrace_store_wal_segments", "WAL segment files on disk")),
        wal_records_skipped(r.GetCounter("hoptrace_store_wal_records_skipped_total",
                                         "Torn, corrupt or undecodable WAL records skipped on recovery")),
        wal_bytes_skipped(
            r.GetCounter("hoptrace_store_wal_bytes_skipped_total", "WAL bytes skipped on recovery")),
        head_spans(
            r.GetGauge("hoptrace_store_head_spans", "Spans in the in-memory head (live and being cut)")),
        head_bytes(r.GetGauge(
            "hoptrace_store_head_bytes",
            "Memory the head holds: span arena chunks, decoded resources and scopes, index, pooled chunks")),
        head_pooled_bytes(
            r.GetGauge("hoptrace_store_head_pooled_bytes",
                       "Of the head's memory: freed span arena chunks kept for the next spans")),
        cut_buffer_bytes(r.GetGauge("hoptrace_store_cut_buffer_bytes",
                                    "Buffers the cut keeps from one block to the next (bounded)")),
        blocks(r.GetGauge("hoptrace_store_blocks", "Blocks on disk")),
        block_bytes(r.GetGauge("hoptrace_store_block_bytes", "Bytes of blocks on disk")),
        raw_blocks(
            r.GetGauge("hoptrace_store_raw_blocks",
                       "Of the blocks: those a cut wrote raw, waiting for compaction to compress them")),
        raw_block_bytes(
            r.GetGauge("hoptrace_store_raw_block_bytes",
                       "Of hoptrace_store_block_bytes: the bytes of raw blocks (cut, not compacted yet)")),
        blocks_cut(r.GetCounter("hoptrace_store_blocks_cut_total", "Blocks written from the head")),
        blocks_compacted(
            r.GetCounter("hoptrace_store_blocks_compacted_total", "Blocks merged away by compaction")),
        // CPU seconds of the thread doing the work (it only grows; a gauge because counters count integers).
        cut_seconds(r.GetFloatCounter("hoptrace_store_cut_seconds_total",
                                      "CPU seconds spent cutting the head into blocks")),
        spans_cut(r.GetCounter("hoptrace_store_spans_cut_total", "Spans written into blocks by cuts")),
        compaction_seconds(
            r.GetFloatCounter("hoptrace_store_compaction_seconds_total", "CPU seconds spent merging blocks")),
        compaction_spans(
            r.GetCounter("hoptrace_store_compaction_spans_total",
                         "Spans rewritten by merges (a span counts once per merge it goes through)")),
        compaction_bytes(
            r.GetCounter("hoptrace_store_compaction_bytes_written_total", "Block bytes written by merges")),
        blocks_deleted(r.GetCounter("hoptrace_store_blocks_deleted_total", "Blocks deleted by retention")),
        blocks_quarantined(r.GetCounter("hoptrace_store_blocks_quarantined_total",
                                        "Blocks moved to quarantine/ because they failed to open")),
        block_errors(
            r.GetCounter("hoptrace_store_block_errors_total", "Failed block writes, merges and reads")) {}

  metrics::Counter& spans_written;
  metrics::Counter& write_errors;
  metrics::Counter& writes_waited;
  metrics::Histogram& write_seconds;
  metrics::Counter& wal_bytes;
  metrics::Counter& wal_fsyncs;
  metrics::Counter& wal_group_commits;
  metrics::Counter& wal_segments_created;
  metrics::Counter& wal_segments_deleted;
  metrics::Gauge& wal_segments;
  metrics::Counter& wal_records_skipped;
  metrics::Counter& wal_bytes_skipped;
  metrics::Gauge& head_spans;
  metrics::Gauge& head_bytes;
  metrics::Gauge& head_pooled_bytes;
  metrics::Gauge& cut_buffer_bytes;
  metrics::Gauge& blocks;
  metrics::Gauge& block_bytes;
  metrics::Gauge& raw_blocks;
  metrics::Gauge& raw_block_bytes;
  metrics::Counter& blocks_cut;
  metrics::Counter& blocks_compacted;
  metrics::FloatCounter& cut_seconds;
  metrics::Counter& spans_cut;
  metrics::FloatCounter& compaction_seconds;
  metrics::Counter& compaction_spans;
  metrics::Counter& compaction_bytes;
  metrics::Counter& blocks_deleted;
  metrics::Counter& blocks_quarantined;
  metrics::Counter& block_errors;
};

}  // namespace hoptrace::store::engine
