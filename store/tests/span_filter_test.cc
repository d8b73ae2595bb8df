#include "hoptrace/store/span_filter.h"

#include <gtest/gtest.h>

namespace hoptrace::store {
namespace {

using model::SpanKind;
using model::StatusCode;

class SpanFilterTest : public ::testing::Test {
 protected:
  SpanFilterTest() {
    span_.name = "GET /orders/42";
    span_.kind = SpanKind::kServer;
    span_.start_time_unix_nano = 1'000'000'000;
    span_.end_time_unix_nano = 2'500'000'000;  // 1.5 s
    span_.status = {StatusCode::kError, "timeout"};
    model::SetAttribute(span_.attributes, "http.response.status_code", std::int64_t{503});
    model::SetAttribute(span_.attributes, "cache.hit", false);
    model::SetAttribute(span_.attributes, "ratio", 0.25);
    model::SetAttribute(resource_.attributes, "service.name", std::string_view("payments"));
    model::SetAttribute(resource_.attributes, "host.name", std::string_view("db-1"));
  }

  bool Match(Field field, CompareOp op, Literal value) {
    return Matches(*SpanFilter::Compare({std::move(field), op, std::move(value)}), span_, resource_);
  }
  static Field Attribute(std::string name, AttributeScope scope = AttributeScope::kAny) {
    return Field{Intrinsic::kNone, scope, std::move(name)};
  }
  static Field Of(Intrinsic intrinsic) { return Field{intrinsic, AttributeScope::kAny, {}}; }

  model::Span span_;
  model::Resource resource_;
};

TEST_F(SpanFilterTest, Intrinsics) {
  EXPECT_TRUE(Match(Of(Intrinsic::kServiceName), CompareOp::kEq, std::string("payments")));
  EXPECT_TRUE(Match(Of(Intrinsic::kName), CompareOp::kRegex, std::string("^GET /orders/.*")));
  EXPECT_FALSE(Match(Of(Intrinsic::kName), CompareOp::kNotRegex, std::string("orders")));
  EXPECT_TRUE(Match(Of(Intrinsic::kKind), CompareOp::kEq, SpanKind::kServer));
  EXPECT_TRUE(Match(Of(Intrinsic::kStatus), CompareOp::kEq, StatusCode::kError));
  EXPECT_TRUE(Match(Of(Intrinsic::kDuration), CompareOp::kGt, std::int64_t{1'000'000'000}));
  EXPECT_FALSE(Match(Of(Intrinsic::kDuration), CompareOp::kGt, std::int64_t{2'000'000'000}));
  EXPECT_TRUE(Match(Of(Intrinsic::kStatusMessage), CompareOp::kEq, std::string("timeout")));
}

TEST_F(SpanFilterTest, AttributesByScopeAndType) {
  EXPECT_TRUE(Match(Attribute("http.response.status_code", AttributeScope::kSpan), CompareOp::kGe, std::int64_t{500}));
  EXPECT_TRUE(Match(Attribute("http.response.status_code"), CompareOp::kGt, 502.5));  // int against double
  EXPECT_FALSE(Match(Attribute("http.response.status_code"), CompareOp::kEq, std::string("503")));
  EXPECT_TRUE(Match(Attribute("cache.hit"), CompareOp::kEq, false));
  EXPECT_FALSE(Match(Attribute("cache.hit"), CompareOp::kLt, true));  // booleans have no order
  EXPECT_TRUE(Match(Attribute("ratio"), CompareOp::kLt, 0.5));
  EXPECT_TRUE(Match(Attribute("host.name", AttributeScope::kResource), CompareOp::kEq, std::string("db-1")));
  EXPECT_FALSE(Match(Attribute("host.name", AttributeScope::kSpan), CompareOp::kEq, std::string("db-1")));
  EXPECT_TRUE(Match(Attribute("host.name"), CompareOp::kExists, std::monostate{}));
}

TEST_F(SpanFilterTest, AbsentAttributesMatchNothing) {
  EXPECT_FALSE(Match(Attribute("missing"), CompareOp::kNe, std::string("x")));
  EXPECT_FALSE(Match(Attribute("missing"), CompareOp::kExists, std::monostate{}));
}

TEST_F(SpanFilterTest, AndOrTrees) {
  auto service = SpanFilter::Compare({Of(Intrinsic::kServiceName), CompareOp::kEq, std::string("payments")});
  auto slow = SpanFilter::Compare({Of(Intrinsic::kDuration), CompareOp::kGt, std::int64_t{5'000'000'000}});
  auto error = SpanFilter::Compare({Of(Intrinsic::kStatus), CompareOp::kEq, StatusCode::kError});
  EXPECT_FALSE(Matches(*SpanFilter::And({service, slow}), span_, resource_));
  EXPECT_TRUE(Matches(*SpanFilter::And({service, SpanFilter::Or({slow, error})}), span_, resource_));
  EXPECT_TRUE(Matches(*SpanFilter::True(), span_, resource_));
}

}  // namespace
}  // namespace hoptrace::store
