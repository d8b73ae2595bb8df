// The W3C trace-context conformance suite, written for hoptrace after the cases of the W3C test
// harness (w3c/trace-context test/test.py, strict level 2): the harness drives the SDK's conformance
// service over real HTTP and checks the traceparent/tracestate it propagates on each callback.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "hoptrace/sdk/conformance/service.h"
#include "hoptrace/sdk/tracer_provider.h"
#include "w3c_harness.h"

namespace hoptrace::sdk::conformance::w3c {
namespace {

const std::string kTraceId = "12345678901234567890123456789012";
const std::string kParentId = "1234567890123456";
const std::string kValid = "00-" + kTraceId + "-" + kParentId + "-01";
const std::string kValidUnsampled = "00-" + kTraceId + "-" + kParentId + "-00";

struct Propagated {
  ReceivedTraceParent traceparent;
  ReceivedTraceState tracestate;
};

class W3cSuite : public ::testing::Test {
 protected:
  W3cSuite() : provider_(TracerProviderOptions{}), service_(provider_.GetTracer("w3c-suite"), {.port = 0}) {}

  std::string ServiceUrl() const { return "http://127.0.0.1:" + std::to_string(service_.port()) + "/test"; }

  // One request, one callback: what the service propagated. Fails the test when the callback is
  // missing or its traceparent is malformed (the harness's own first check).
  Propagated Send(const HeaderLines& headers) {
    const std::vector<HeaderLines> callbacks = harness_.Exchange(ServiceUrl(), headers, 1);
    std::string error;
    const auto traceparent = TraceParentOf(callbacks.at(0), &error);
    EXPECT_TRUE(traceparent.has_value()) << error;
    return {traceparent.value_or(ReceivedTraceParent{}), TraceStateOf(callbacks.at(0))};
  }

  std::vector<ReceivedTraceParent> SendWithCallbacks(const HeaderLines& headers, int count) {
    std::vector<ReceivedTraceParent> out;
    for (const HeaderLines& callback : harness_.Exchange(ServiceUrl(), headers, count)) {
      std::string error;
      const auto traceparent = TraceParentOf(callback, &error);
      EXPECT_TRUE(traceparent.has_value()) << error;
      if (traceparent) out.push_back(*traceparent);
    }
    return out;
  }

  TracerProvider provider_;  // no processors: propagation does not depend on export
  TraceContextService service_;
  Harness harness_;
};

// ---- traceparent: a valid one is continued (same trace ID, the service's own parent ID) ----

struct TraceParentCase {
  const char* name;
  std::string header_name;
  std::string value;
};

void PrintTo(const TraceParentCase& c, std::ostream* out) { *out << c.name; }

class ContinuedTraceParent : public W3cSuite, public ::testing::WithParamInterface<TraceParentCase> {};

TEST_P(ContinuedTraceParent, KeepsTheTraceIdWithANewParentId) {
  const Propagated out = Send({{GetParam().header_name, GetParam().value}});
  EXPECT_EQ(out.traceparent.trace_id, kTraceId) << GetParam().value;
  EXPECT_NE(out.traceparent.parent_id, kParentId);
}

INSTANTIATE_TEST_SUITE_P(
    W3c, ContinuedTraceParent,
    ::testing::Values(
        TraceParentCase{"plain", "traceparent", kValid},
        TraceParentCase{"name_TraceParent", "TraceParent", kValid},
        TraceParentCase{"name_TrAcEpArEnT", "TrAcEpArEnT", kValid},
        TraceParentCase{"name_TRACEPARENT", "TRACEPARENT", kValid},
        TraceParentCase{"future_version_cc", "traceparent", "cc-" + kTraceId + "-" + kParentId + "-01"},
        TraceParentCase{"future_version_cc_extra_field", "traceparent",
                        "cc-" + kTraceId + "-" + kParentId + "-01-what-the-future-will-be-like"},
        TraceParentCase{"ows_leading_space", "traceparent", " " + kValid},
        TraceParentCase{"ows_leading_tab", "traceparent", "\t" + kValid},
        TraceParentCase{"ows_trailing_space", "traceparent", kValid + " "},
        TraceParentCase{"ows_trailing_tab", "traceparent", kValid + "\t"},
        TraceParentCase{"ows_both_sides", "traceparent", "\t " + kValid + " \t"}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

// ---- traceparent: an invalid one restarts the trace (a new, valid trace ID) ----

class RestartedTraceParent : public W3cSuite, public ::testing::WithParamInterface<TraceParentCase> {};

TEST_P(RestartedTraceParent, StartsANewTrace) {
  const Propagated out = Send({{GetParam().header_name, GetParam().value}});
  EXPECT_NE(out.traceparent.trace_id, kTraceId) << GetParam().value;
  EXPECT_NE(out.traceparent.trace_id, std::string(32, '0'));
  EXPECT_NE(out.traceparent.parent_id, std::string(16, '0'));
}

std::string WithTraceId(const std::string& trace_id) { return "00-" + trace_id + "-" + kParentId + "-01"; }
std::string WithParentId(const std::string& parent_id) { return "00-" + kTraceId + "-" + parent_id + "-01"; }
std::string WithFlags(const std::string& flags) { return "00-" + kTraceId + "-" + kParentId + "-" + flags; }
std::string WithVersion(const std::string& version) { return version + "-" + kTraceId + "-" + kParentId + "-01"; }

INSTANTIATE_TEST_SUITE_P(
    W3c, RestartedTraceParent,
    ::testing::Values(
        TraceParentCase{"name_trace_dash_parent", "trace-parent", kValid},
        TraceParentCase{"name_trace_dot_parent", "trace.parent", kValid},
        TraceParentCase{"version_00_trailing_dot", "traceparent", kValid + "."},
        TraceParentCase{"version_00_extra_field", "traceparent", kValid + "-what-the-future-will-be-like"},
        TraceParentCase{"future_version_bad_separator", "traceparent",
                        "cc-" + kTraceId + "-" + kParentId + "-01.what-the-future-will-be-like"},
        TraceParentCase{"version_ff", "traceparent", WithVersion("ff")},
        TraceParentCase{"version_illegal_first", "traceparent", WithVersion(".0")},
        TraceParentCase{"version_illegal_second", "traceparent", WithVersion("0.")},
        TraceParentCase{"version_upper_hex", "traceparent", WithVersion("CC")},
        TraceParentCase{"version_three_digits", "traceparent", WithVersion("000")},
        TraceParentCase{"version_four_digits", "traceparent", WithVersion("0000")},
        TraceParentCase{"version_one_digit", "traceparent", WithVersion("0")},
        TraceParentCase{"trace_id_all_zero", "traceparent", WithTraceId(std::string(32, '0'))},
        TraceParentCase{"trace_id_illegal_first", "traceparent", WithTraceId("." + kTraceId.substr(1))},
        TraceParentCase{"trace_id_illegal_last", "traceparent", WithTraceId(kTraceId.substr(0, 31) + ".")},
        TraceParentCase{"trace_id_upper_hex", "traceparent", WithTraceId("ABCDEF78901234567890123456789012")},
        TraceParentCase{"trace_id_33_digits", "traceparent", WithTraceId(kTraceId + "3")},
        TraceParentCase{"trace_id_31_digits", "traceparent", WithTraceId(kTraceId.substr(0, 31))},
        TraceParentCase{"parent_id_all_zero", "traceparent", WithParentId(std::string(16, '0'))},
        TraceParentCase{"parent_id_illegal_first", "traceparent", WithParentId("." + kParentId.substr(1))},
        TraceParentCase{"parent_id_illegal_last", "traceparent", WithParentId(kParentId.substr(0, 15) + ".")},
        TraceParentCase{"parent_id_upper_hex", "traceparent", WithParentId("ABCDEF7890123456")},
        TraceParentCase{"parent_id_17_digits", "traceparent", WithParentId(kParentId + "7")},
        TraceParentCase{"parent_id_15_digits", "traceparent", WithParentId(kParentId.substr(0, 15))},
        TraceParentCase{"flags_illegal_first", "traceparent", WithFlags(".0")},
        TraceParentCase{"flags_illegal_second", "traceparent", WithFlags("0.")},
        TraceParentCase{"flags_three_digits", "traceparent", WithFlags("001")},
        TraceParentCase{"flags_one_digit", "traceparent", WithFlags("1")},
        TraceParentCase{"flags_upper_hex", "traceparent", WithFlags("0A")},
        TraceParentCase{"empty_value", "traceparent", ""}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

TEST_F(W3cSuite, NoContextStartsATrace) {
  const Propagated out = Send({});
  EXPECT_NE(out.traceparent.trace_id, std::string(32, '0'));
  EXPECT_TRUE(out.tracestate.members.empty());
}

TEST_F(W3cSuite, TwoTraceParentLinesRestartTheTrace) {
  const Propagated out = Send({{"traceparent", WithTraceId("12345678901234567890123456789011")},
                               {"traceparent", WithTraceId(kTraceId)}});
  EXPECT_NE(out.traceparent.trace_id, "12345678901234567890123456789011");
  EXPECT_NE(out.traceparent.trace_id, kTraceId);
}

TEST_F(W3cSuite, TheSampledFlagIsPropagated) {
  EXPECT_EQ(Send({{"traceparent", kValid}}).traceparent.flags, "01");
  EXPECT_EQ(Send({{"traceparent", kValidUnsampled}}).traceparent.flags, "00");
  // Unknown flag bits of the caller are not ours to pass on; the sampled bit is.
  EXPECT_EQ(Send({{"traceparent", WithFlags("ff")}}).traceparent.flags, "01");
}

// ---- tracestate ----

TEST_F(W3cSuite, TraceStateWithoutTraceParentIsDiscarded) {
  const Propagated one = Send({{"tracestate", "foo=1"}});
  const Propagated two = Send({{"tracestate", "foo=1,bar=2"}});
  EXPECT_EQ(one.tracestate.members.size(), two.tracestate.members.size());
  EXPECT_FALSE(two.tracestate.Get("foo").has_value());
}

TEST_F(W3cSuite, TraceStateIsInheritedWithAValidTraceParent) {
  const Propagated out = Send({{"traceparent", kValidUnsampled}, {"tracestate", "foo=1,bar=2"}});
  EXPECT_EQ(out.traceparent.trace_id, kTraceId);
  EXPECT_EQ(out.tracestate.Get("foo"), "1");
  EXPECT_EQ(out.tracestate.Get("bar"), "2");
}

TEST_F(W3cSuite, TraceStateIsDroppedWithAnInvalidTraceParent) {
  const Propagated out = Send({{"traceparent", WithTraceId(std::string(32, '0'))}, {"tracestate", "foo=1"}});
  EXPECT_FALSE(out.tracestate.Get("foo").has_value());
}

TEST_F(W3cSuite, TraceStateHeaderNames) {
  for (const char* wrong : {"trace-state", "trace.state"}) {
    EXPECT_FALSE(Send({{"traceparent", kValidUnsampled}, {wrong, "foo=1"}}).tracestate.Get("foo").has_value()) << wrong;
  }
  for (const char* casing : {"TraceState", "TrAcEsTaTe", "TRACESTATE"}) {
    EXPECT_EQ(Send({{"traceparent", kValidUnsampled}, {casing, "foo=1"}}).tracestate.Get("foo"), "1") << casing;
  }
}

TEST_F(W3cSuite, EmptyTraceStateLinesAreIgnored) {
  const Propagated empty = Send({{"traceparent", kValidUnsampled}, {"tracestate", ""}});
  EXPECT_EQ(empty.traceparent.trace_id, kTraceId);
  EXPECT_TRUE(empty.tracestate.members.empty());
  for (const HeaderLines& headers : {HeaderLines{{"traceparent", kValidUnsampled}, {"tracestate", "foo=1"}, {"tracestate", ""}},
                                     HeaderLines{{"traceparent", kValidUnsampled}, {"tracestate", ""}, {"tracestate", "foo=1"}}}) {
    const Propagated out = Send(headers);
    EXPECT_EQ(out.traceparent.trace_id, kTraceId);
    EXPECT_EQ(out.tracestate.Get("foo"), "1");
  }
}

TEST_F(W3cSuite, MultipleTraceStateLinesAreCombinedInOrder) {
  const Propagated out = Send({{"traceparent", kValidUnsampled},
                               {"tracestate", "foo=1,bar=2"},
                               {"tracestate", "rojo=1,congo=2"},
                               {"tracestate", "baz=3"}});
  EXPECT_EQ(out.traceparent.trace_id, kTraceId);
  EXPECT_EQ(out.tracestate.Joined(), "foo=1,bar=2,rojo=1,congo=2,baz=3");
}

TEST_F(W3cSuite, DuplicatedKeysDiscardTheTraceState) {
  for (const HeaderLines& headers :
       {HeaderLines{{"traceparent", kValidUnsampled}, {"tracestate", "foo=1,foo=1"}},
        HeaderLines{{"traceparent", kValidUnsampled}, {"tracestate", "foo=1,foo=2"}},
        HeaderLines{{"traceparent", kValidUnsampled}, {"tracestate", "foo=1"}, {"tracestate", "foo=1"}},
        HeaderLines{{"traceparent", kValidUnsampled}, {"tracestate", "foo=1"}, {"tracestate", "foo=2"}}}) {
    const Propagated out = Send(headers);
    EXPECT_EQ(out.traceparent.trace_id, kTraceId);
    EXPECT_FALSE(out.tracestate.Get("foo").has_value()) << out.tracestate.Joined();
  }
}

TEST_F(W3cSuite, EveryAllowedCharacterIsKept) {
  std::string key;
  for (char c = 'a'; c <= 'z'; ++c) key += c;
  key += "0123456789_-*/";
  std::string value;
  for (int c = 0x20; c <= 0x7E; ++c) {
    if (c != ',' && c != '=') value += static_cast<char>(c);
  }
  for (const std::string& k : {key, key + "@a-z0-9_-*/"}) {
    const Propagated out = Send({{"traceparent", kValidUnsampled}, {"tracestate", k + "=" + value}});
    EXPECT_EQ(out.tracestate.Get(k), value) << k;
  }
}

TEST_F(W3cSuite, OptionalWhitespaceAroundMembers) {
  for (const std::string line : {"foo=1 \t , \t bar=2, \t baz=3", "foo=1\t \t,\t \tbar=2,\t \tbaz=3"}) {
    const Propagated out = Send({{"traceparent", kValidUnsampled}, {"tracestate", line}});
    EXPECT_EQ(out.tracestate.Get("foo"), "1") << line;
    EXPECT_EQ(out.tracestate.Get("bar"), "2") << line;
    EXPECT_EQ(out.tracestate.Get("baz"), "3") << line;
  }
  for (const std::string line : {" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"}) {
    const Propagated out = Send({{"traceparent", kValidUnsampled}, {"tracestate", line}});
    EXPECT_EQ(out.traceparent.trace_id, kTraceId);
    EXPECT_EQ(out.tracestate.Get("foo"), "1") << "'" << line << "'";
  }
}

// Invalid members make the whole tracestate go (strict level 2): `probe` names a member that must
// then be absent.
struct InvalidTraceStateCase {
  const char* name;
  HeaderLines tracestate_lines;
  std::string probe;
};

void PrintTo(const InvalidTraceStateCase& c, std::ostream* out) { *out << c.name; }

class InvalidTraceState : public W3cSuite, public ::testing::WithParamInterface<InvalidTraceStateCase> {};

TEST_P(InvalidTraceState, IsDiscarded) {
  HeaderLines headers = {{"traceparent", kValidUnsampled}};
  headers.insert(headers.end(), GetParam().tracestate_lines.begin(), GetParam().tracestate_lines.end());
  const Propagated out = Send(headers);
  EXPECT_EQ(out.traceparent.trace_id, kTraceId);
  EXPECT_FALSE(out.tracestate.Get(GetParam().probe).has_value()) << out.tracestate.Joined();
}

HeaderLines Lines(std::initializer_list<std::string> values) {
  HeaderLines lines;
  for (const std::string& value : values) lines.emplace_back("tracestate", value);
  return lines;
}

// "bar01=01,...,barNN=NN" for members first..last.
std::string Members(int first, int last) {
  std::string out;
  for (int i = first; i <= last; ++i) {
    const std::string n = (i < 10 ? "0" : "") + std::to_string(i);
    out += (out.empty() ? "" : ",") + ("bar" + n) + "=" + n;
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    W3c, InvalidTraceState,
    ::testing::Values(
        InvalidTraceStateCase{"key_with_space", Lines({"foo =1"}), "foo "},
        InvalidTraceStateCase{"key_upper_case", Lines({"FOO=1"}), "FOO"},
        InvalidTraceStateCase{"key_with_dot", Lines({"foo.bar=1"}), "foo.bar"},
        InvalidTraceStateCase{"vendor_empty", Lines({"foo@=1,bar=2"}), "bar"},
        InvalidTraceStateCase{"tenant_empty", Lines({"@foo=1,bar=2"}), "bar"},
        InvalidTraceStateCase{"double_at", Lines({"foo@@bar=1,bar=2"}), "bar"},
        InvalidTraceStateCase{"two_ats", Lines({"foo@bar@baz=1,bar=2"}), "bar"},
        InvalidTraceStateCase{"33_members", Lines({Members(1, 10), Members(11, 20), Members(21, 30), Members(31, 33)}),
                              "bar01"},
        InvalidTraceStateCase{"key_257_chars", Lines({"foo=1", std::string(257, 'z') + "=1"}), "foo"},
        InvalidTraceStateCase{"tenant_242_chars", Lines({"foo=1", std::string(242, 't') + "@v=1"}), "foo"},
        InvalidTraceStateCase{"vendor_15_chars", Lines({"foo=1", "t@" + std::string(15, 'v') + "=1"}), "foo"},
        InvalidTraceStateCase{"value_with_equals", Lines({"foo=bar=baz"}), "foo"},
        InvalidTraceStateCase{"value_empty", Lines({"foo=,bar=3"}), "bar"}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

TEST_F(W3cSuite, LimitsThatAreStillValid) {
  const Propagated members = Send({{"traceparent", kValidUnsampled},
                                   {"tracestate", Members(1, 10)},
                                   {"tracestate", Members(11, 20)},
                                   {"tracestate", Members(21, 30)},
                                   {"tracestate", Members(31, 32)}});
  EXPECT_EQ(members.tracestate.members.size(), 32u);
  EXPECT_EQ(members.tracestate.Get("bar01"), "01");
  const std::string long_key = std::string(256, 'z');
  const std::string tenant_vendor = std::string(241, 't') + "@" + std::string(14, 'v');
  for (const std::string& key : {long_key, tenant_vendor}) {
    const Propagated out = Send({{"traceparent", kValidUnsampled}, {"tracestate", "foo=1"}, {"tracestate", key + "=1"}});
    EXPECT_EQ(out.tracestate.Get("foo"), "1") << key.size();
    EXPECT_EQ(out.tracestate.Get(key), "1");
  }
}

// ---- several callbacks from one request (the suite's AdvancedTest) ----

TEST_F(W3cSuite, EachCallbackGetsItsOwnParentIdInTheCallersTrace) {
  const auto callbacks = SendWithCallbacks({{"traceparent", kValid}}, 3);
  ASSERT_EQ(callbacks.size(), 3u);
  std::set<std::string> trace_ids;
  std::set<std::string> parent_ids;
  for (const auto& traceparent : callbacks) {
    trace_ids.insert(traceparent.trace_id);
    parent_ids.insert(traceparent.parent_id);
  }
  EXPECT_EQ(trace_ids, std::set<std::string>{kTraceId});
  EXPECT_EQ(parent_ids.size(), 3u);
}

TEST_F(W3cSuite, CallbacksWithoutOrWithAnInvalidTraceParentShareOneNewTrace) {
  for (const HeaderLines& headers : {HeaderLines{}, HeaderLines{{"traceparent", WithTraceId(std::string(32, '0'))}}}) {
    const auto callbacks = SendWithCallbacks(headers, 3);
    ASSERT_EQ(callbacks.size(), 3u);
    std::set<std::string> trace_ids;
    std::set<std::string> parent_ids;
    for (const auto& traceparent : callbacks) {
      trace_ids.insert(traceparent.trace_id);
      parent_ids.insert(traceparent.parent_id);
    }
    EXPECT_EQ(trace_ids.size(), 1u) << "one server span, one trace";
    EXPECT_FALSE(trace_ids.contains(std::string(32, '0')));
    EXPECT_EQ(parent_ids.size(), 3u);
  }
}

}  // namespace
}  // namespace hoptrace::sdk::conformance::w3c
