#pragma once
// A SpanFilter as a ClickHouse boolean expression over one row of the spans table, with the
// semantics of store::Matches (span_filter.h): an absent attribute or a type mismatch is false,
// int64 and double compare as numbers, an attribute in the span shadows one in the resource.

#include <string>

#include "hoptrace/store/span_filter.h"

namespace hoptrace::store::clickhouse {

std::string FilterToSql(const SpanFilter& filter);

}  // namespace hoptrace::store::clickhouse
