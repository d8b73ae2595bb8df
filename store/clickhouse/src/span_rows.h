#pragma once
// One ClickHouse row per span: the spans table's columns (kSpanColumns, in table order), and the
// RowBinary encoding of spans into rows (for INSERT) and back (for SELECT ... FORMAT RowBinary).
//
// Span and resource attributes are parallel key/value arrays split by value type, so filters run as
// SQL on typed values: *_str_*, *_int_*, *_dbl_*, *_bool_*, and *_arr_* for array values (encoded,
// not searchable, as in span_filter.h). Scope, event and link attributes are only shown, never
// searched, so each list is one encoded String.

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hoptrace/model/span.h"

namespace hoptrace::store::clickhouse {

struct Column {
  std::string_view name;
  std::string_view type;
};

// Every column of the spans table, in the order RowBinary rows carry them.
std::span<const Column> SpanColumns();
// "trace_id, span_id, ...": the column list for INSERT and SELECT.
std::string SpanColumnList();

// What a select reads of each span: every column, or what a timing-only scan needs (TraceScan).
enum class RowColumns : std::uint8_t { kAll, kTiming };
// The select list for `columns` (kAll: SpanColumnList()).
std::string SelectList(RowColumns columns);

// The service a resource names (service.name when it is a string, else "").
std::string_view ServiceOf(const model::Resource& resource);

// Appends one row per span of `batch` to `out`.
void AppendSpanRows(const model::TraceBatch& batch, std::string* out);

// Decodes rows (SelectList(columns), ordered by trace ID) into traces, each grouped by resource and
// scope: `visit` gets each trace whole, until it returns false (`stopped`). False when the rows are
// cut short or garbled. kTiming rows become spans with only the timing fields, a resource with only
// service.name and host.name, and a link to the parent when the stored span has one.
bool DecodeTraces(std::string_view rows, const std::function<bool(const model::TraceBatch&)>& visit, bool* stopped,
                  RowColumns columns = RowColumns::kAll);

}  // namespace hoptrace::store::clickhouse
