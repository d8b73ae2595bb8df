#include "explain_command.h"

#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "client_commands.h"
#include "hoptrace/analysis/diagnosis_json.h"
#include "hoptrace/http/client.h"
#include "hoptrace/http/url.h"
#include "hoptrace/otlp/json_convert.h"
#include "hoptrace/query/analysis_api.h"
#include "hoptrace/query/query_language.h"

namespace hoptrace::cli {
namespace {

using analysis::Diagnosis;
using analysis::kNone;
using analysis::SpanNode;

constexpr std::size_t kLabelWidth = 44;     // columns for "service operation", indented by depth
constexpr std::size_t kEvidenceShown = 3;   // evidence lines under each finding in text
constexpr double kShownSubtreeShare = 0.01; // long waterfalls keep spans whose subtree has 1 % of the path

namespace ansi {
constexpr const char* kReset = "\033[0m";
constexpr const char* kCritical = "\033[1;31m";
constexpr const char* kError = "\033[1;91m";
constexpr const char* kService = "\033[36m";
constexpr const char* kDim = "\033[2m";
}  // namespace ansi

int Fail(std::string_view message) {
  std::cerr << "hoptrace explain: " << message << "\n";
  return 1;
}

// Wraps `text` in a colour when colours are on.
std::string Paint(const char* colour, std::string_view text, bool color) {
  if (!color) return std::string(text);
  return colour + std::string(text) + ansi::kReset;
}

// Display columns of UTF-8 text (one per code point: enough for names and bars).
std::size_t Columns(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Cuts to `width` columns (ending in "…" when cut) and pads with spaces to exactly `width`.
std::string FitColumns(std::string_view text, std::size_t width) {
  std::string out;
  std::size_t columns = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = 1;
    while (i + length < text.size() && (static_cast<unsigned char>(text[i + length]) & 0xC0) == 0x80) ++length;
    if (columns + 1 == width && Columns(text.substr(i)) > 1) {
      out += "…";
      ++columns;
      break;
    }
    out.append(text.substr(i, length));
    ++columns;
    i += length;
  }
  out.append(width > columns ? width - columns : 0, ' ');
  return out;
}

// Spans worth a row: every span when the trace is short; otherwise the spans whose subtree holds a
// share of the critical path, the findings' evidence, and their ancestors (so rows stay a tree).
std::vector<bool> ShownSpans(const Diagnosis& diagnosis, const ExplainOptions& options) {
  const analysis::TraceView& view = diagnosis.view;
  std::vector<bool> shown(view.size(), options.all_spans || view.size() <= options.max_spans);
  if (options.all_spans || view.size() <= options.max_spans) return shown;
  const auto min_nanos = static_cast<std::uint64_t>(kShownSubtreeShare * static_cast<double>(diagnosis.TopDuration()));
  const auto show_with_ancestors = [&](std::size_t node) {
    for (std::size_t at = node; at != kNone && !shown[at]; at = view.node(at).parent) shown[at] = true;
  };
  for (std::size_t node = 0; node < view.size(); ++node) {
    if (diagnosis.subtree_critical[node] >= min_nanos && diagnosis.subtree_critical[node] > 0) show_with_ancestors(node);
  }
  for (std::size_t i = 0; i < diagnosis.findings.size() && i < options.max_findings; ++i) {
    const auto& evidence = diagnosis.findings[i].evidence;
    for (std::size_t e = 0; e < evidence.size() && e < kEvidenceShown; ++e) show_with_ancestors(evidence[e].node);
  }
  std::size_t rows = 0;
  for (std::size_t node : view.preorder()) {
    if (shown[node] && ++rows > options.max_spans) shown[node] = false;
  }
  return shown;
}

class Waterfall {
 public:
  Waterfall(const Diagnosis& diagnosis, const ExplainOptions& options, bool color)
      : diagnosis_(diagnosis), view_(diagnosis.view), options_(options), color_(color) {
    const SpanNode& top = view_.node(view_.top());
    start_ = top.start;
    end_ = std::max(top.end, top.start + 1);
    segments_of_.resize(view_.size());
    for (const analysis::PathSegment& segment : diagnosis.critical_path.segments) {
      segments_of_[segment.node].push_back(&segment);
    }
  }

  std::string Render() const {
    const std::vector<bool> shown = ShownSpans(diagnosis_, options_);
    std::string out = Header();
    std::size_t hidden = 0;
    for (std::size_t node : view_.preorder()) {
      if (shown[node]) {
        out += Row(node);
      } else {
        ++hidden;
      }
    }
    if (hidden > 0) {
      out += Paint(ansi::kDim, "  … " + std::to_string(hidden) + " more span(s) not shown (--all-spans shows every span)", color_) + "\n";
    }
    return out;
  }

 private:
  std::string Header() const {
    const std::string critical = Paint(ansi::kCritical, "●", color_);
    std::string out = "trace " + view_.node(view_.top()).span->trace_id.ToHex() + "  " + std::to_string(view_.size()) +
                      " spans  " + analysis::FormatNanos(end_ - start_) + "   " + critical + " on the critical path, " +
                      Paint(ansi::kCritical, "█", color_) + " its time there\n";
    const std::string right = analysis::FormatNanos(end_ - start_);
    out += std::string(2 + kLabelWidth + 1, ' ') + "0" +
           std::string(options_.bar_width > Columns(right) ? options_.bar_width + 1 - Columns(right) : 1, ' ') + right + "\n";
    return out;
  }

  std::string Row(std::size_t index) const {
    const SpanNode& node = view_.node(index);
    const bool critical = diagnosis_.critical_path.on_path[index];
    const bool failed = node.span->status.code == model::StatusCode::kError;
    const std::string indent(2 * node.depth, ' ');
    std::string label = FitColumns(indent + std::string(node.service) + " " + node.span->name, kLabelWidth);
    if (color_) {  // colour the service name inside the fitted label
      const std::size_t at = indent.size();
      const std::size_t length = std::min(node.service.size(), label.size() - at);
      label = label.substr(0, at) + Paint(ansi::kService, label.substr(at, length), true) + label.substr(at + length);
    }
    std::string row = (critical ? Paint(ansi::kCritical, "●", color_) : std::string(" ")) + " " + label + " │" + Bar(index) +
                      "│ " + analysis::FormatNanos(node.Duration());
    if (const std::uint64_t on_path = diagnosis_.critical_path.contribution[index]; on_path > 0) {
      row += Paint(ansi::kCritical, " (" + analysis::FormatNanos(on_path) + " on path)", color_);
    }
    if (failed) row += " " + Paint(ansi::kError, "ERROR" + (node.span->status.message.empty() ? "" : ": " + node.span->status.message), color_);
    if (node.parent == kNone && !node.span->IsRoot()) row += Paint(ansi::kDim, "  [parent " + node.span->parent_span_id.ToHex() + " missing]", color_);
    return row + "\n";
  }

  // One cell per slice of the top span's time: █ where the span is on the critical path, ░ where it
  // runs otherwise; ‹ › when it reaches beyond the top span (async work, unadjusted skew).
  std::string Bar(std::size_t index) const {
    const SpanNode& node = view_.node(index);
    const std::size_t width = options_.bar_width;
    const double cell = static_cast<double>(end_ - start_) / static_cast<double>(width);
    std::string bar;
    std::string run;  // consecutive critical cells, painted together
    const auto flush = [&] {
      if (!run.empty()) bar += Paint(ansi::kCritical, run, color_);
      run.clear();
    };
    for (std::size_t i = 0; i < width; ++i) {
      const auto from = start_ + static_cast<std::uint64_t>(cell * static_cast<double>(i));
      const auto to = std::max(from + 1, start_ + static_cast<std::uint64_t>(cell * static_cast<double>(i + 1)));
      const bool covered = node.start < to && std::max(node.end, node.start + 1) > from;
      const bool on_path = std::any_of(segments_of_[index].begin(), segments_of_[index].end(),
                                       [&](const analysis::PathSegment* s) { return s->start < to && s->end > from; });
      if (on_path) {
        run += "█";
        continue;
      }
      flush();
      if (!covered) {
        bar += (i == 0 && node.start < start_) ? "‹" : (i + 1 == width && node.end > end_) ? "›" : " ";
      } else {
        bar += "░";
      }
    }
    flush();
    return bar;
  }

  const Diagnosis& diagnosis_;
  const analysis::TraceView& view_;
  const ExplainOptions& options_;
  bool color_;
  std::uint64_t start_ = 0;
  std::uint64_t end_ = 0;
  std::vector<std::vector<const analysis::PathSegment*>> segments_of_;
};

std::string EvidenceLine(const Diagnosis& diagnosis, const analysis::Evidence& evidence) {
  const SpanNode& node = diagnosis.view.node(evidence.node);
  std::string line = "span " + node.span->span_id.ToHex() + "  " + std::string(node.service) + " " + node.span->name +
                     "  " + analysis::FormatNanos(evidence.duration_nanos);
  if (evidence.explained_nanos > 0) line += ", explains " + analysis::FormatNanos(evidence.explained_nanos);
  if (!evidence.note.empty()) line += "  (" + evidence.note + ")";
  return line;
}

std::string RenderFindings(const Diagnosis& diagnosis, const ExplainOptions& options, bool markdown) {
  if (diagnosis.findings.empty()) return "No findings.\n";
  std::string out = markdown ? "## Findings, ranked by the latency they explain\n\n" : "Findings, ranked by the latency they explain:\n";
  const std::size_t shown = std::min(diagnosis.findings.size(), options.max_findings);
  for (std::size_t i = 0; i < shown; ++i) {
    const analysis::Finding& finding = diagnosis.findings[i];
    const std::string number = std::to_string(i + 1) + ". ";
    const std::string kind = std::string("[") + analysis::FindingKindName(finding.kind) + "]";
    out += markdown ? number + "**" + kind + "** " + finding.headline + "\n"
                    : std::string(i < 9 ? " " : "") + number + Paint(i == 0 ? ansi::kCritical : ansi::kDim, kind, options.color) +
                          " " + finding.headline + "\n";
    for (std::size_t e = 0; e < finding.evidence.size() && e < kEvidenceShown; ++e) {
      out += (markdown ? "   - `" : "      ") + EvidenceLine(diagnosis, finding.evidence[e]) + (markdown ? "`\n" : "\n");
    }
    if (finding.evidence.size() > kEvidenceShown) {
      out += (markdown ? "   - " : "      ") + std::string("… ") + std::to_string(finding.evidence.size() - kEvidenceShown) +
             " more\n";
    }
  }
  if (diagnosis.findings.size() > shown) {
    out += (markdown ? "\n" : "") + std::to_string(diagnosis.findings.size() - shown) + " more finding(s) (--findings N shows more)\n";
  }
  return out;
}

bool ParseTrace(std::string_view json, model::TraceBatch* trace, std::string* error) {
  otlp::DecodeReport report;
  return otlp::ParseJson(json, trace, &report, error);
}

// The spans of `batch` that belong to the first trace in it; `other_traces` counts the rest's IDs.
model::TraceBatch FirstTraceOnly(model::TraceBatch batch, std::size_t* other_traces) {
  std::optional<model::TraceId> first;
  std::vector<model::TraceId> others;
  for (auto& resource_spans : batch.resource_spans) {
    for (auto& scope_spans : resource_spans.scope_spans) {
      std::erase_if(scope_spans.spans, [&](const model::Span& span) {
        if (!first) first = span.trace_id;
        if (span.trace_id == *first) return false;
        if (std::find(others.begin(), others.end(), span.trace_id) == others.end()) others.push_back(span.trace_id);
        return true;
      });
    }
  }
  *other_traces = others.size();
  return batch;
}

// Reads an exported OTLP JSON file (one document, JSON lines, or Tempo's {"trace": ...}).
bool ReadTraceFile(const std::string& path, model::TraceBatch* trace, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::stringstream contents;
  contents << in.rdbuf();
  model::TraceBatch all;
  for (const std::string& document : SplitDocuments(contents.str())) {
    if (!ParseTrace(document, &all, error)) {
      *error = path + ": " + *error;
      return false;
    }
  }
  std::size_t other_traces = 0;
  *trace = FirstTraceOnly(std::move(all), &other_traces);
  if (other_traces > 0) {
    std::cerr << "hoptrace explain: " << path << " holds " << other_traces + 1 << " traces; explaining the first\n";
  }
  return true;
}

// A split trace's candidate parents from the server: its native search with the query the API
// itself would run against the store (query::ParentSearchFilter), then each trace as OTLP JSON.
class ServerParentSource : public analysis::ParentTraceSource {
 public:
  explicit ServerParentSource(std::string server) : server_(std::move(server)) {}

  std::vector<model::TraceBatch> FindCandidates(const analysis::ParentSearch& search) override {
    const std::string query = query::FormatFilter(*query::ParentSearchFilter(search));
    const auto seconds = [](std::uint64_t nanos) { return std::to_string(nanos / 1'000'000'000); };
    const std::string target = "/api/search?q=" + http::PercentEncode(query) + "&start=" +
                               seconds(search.window_start_unix_nano) + "&end=" +
                               seconds(search.window_end_unix_nano + 999'999'999) + "&limit=" +
                               std::to_string(query::StoreParentSource::kMaxCandidateTraces);
    std::string error;
    auto response = http::Client(server_).Get(target, &error);
    simdjson::dom::parser parser;
    simdjson::dom::array traces;
    if (!response || response->status != 200 || parser.parse(response->body)["traces"].get(traces)) {
      std::cerr << "hoptrace explain: no candidate parents (the search failed: "
                << (response ? response->body : error) << ")\n";
      return {};
    }
    std::vector<model::TraceBatch> candidates;
    for (simdjson::dom::element summary : traces) {
      std::string_view id;
      if (summary["traceID"].get(id) || id == search.trace_id.ToHex()) continue;
      model::TraceBatch trace;
      if (auto json = FetchTraceJson(server_, id, &error); json && ParseTrace(*json, &trace, &error)) {
        candidates.push_back(std::move(trace));
      }
    }
    return candidates;
  }

 private:
  std::string server_;
};

}  // namespace

std::string RenderExplanation(const Diagnosis& diagnosis, const ExplainOptions& options) {
  if (options.format == ExplainFormat::kJson) return analysis::DiagnosisToJson(diagnosis) + "\n";
  if (diagnosis.view.top() == kNone) return "(no spans)\n";
  if (options.format == ExplainFormat::kMarkdown) {
    const std::string id = diagnosis.view.node(diagnosis.view.top()).span->trace_id.ToHex();
    return "# Trace " + id + "\n\n" + RenderFindings(diagnosis, options, true) + "\n## Waterfall\n\n```\n" +
           Waterfall(diagnosis, options, false).Render() + "```\n";
  }
  return Waterfall(diagnosis, options, options.color).Render() + "\n" + RenderFindings(diagnosis, options, false);
}

ExplainCommand::ExplainCommand(CLI::App& app) {
  command_ = app.add_subcommand("explain", "Diagnose one trace: waterfall with the critical path, then ranked findings");
  command_->add_option("trace", target_, "A trace ID (32 hex digits, fetched from --server) or an exported OTLP JSON file")
      ->required();
  command_->add_option("--server", server_, "Query API of a running `hoptrace serve`")->capture_default_str();
  command_->add_option("--format", format_, "text, json or markdown")
      ->check(CLI::IsMember({"text", "json", "markdown"}))
      ->capture_default_str();
  command_->add_flag("--all-spans", options_.all_spans, "Show every span in the waterfall, however many");
  command_->add_option("--findings", options_.max_findings, "Show at most this many findings")->capture_default_str();
}

int ExplainCommand::Run() {
  model::TraceBatch trace;
  std::string error;
  std::unique_ptr<ServerParentSource> parents;  // offline, a split trace's caller cannot be searched for
  if (std::filesystem::is_regular_file(target_)) {
    if (!ReadTraceFile(target_, &trace, &error)) return Fail(error);
  } else if (model::TraceId::FromHex(target_)) {
    const auto json = FetchTraceJson(server_, target_, &error);
    if (!json) return Fail(error);
    if (!ParseTrace(*json, &trace, &error)) return Fail("unreadable answer from the server: " + error);
    parents = std::make_unique<ServerParentSource>(server_);
  } else {
    return Fail("'" + target_ + "' is neither a file nor a trace ID (32 hex digits)");
  }
  if (trace.SpanCount() == 0) return Fail("the trace has no spans");
  options_.format = format_ == "json" ? ExplainFormat::kJson : format_ == "markdown" ? ExplainFormat::kMarkdown : ExplainFormat::kText;
  options_.color = options_.format == ExplainFormat::kText && isatty(STDOUT_FILENO) != 0;
  const Diagnosis diagnosis = analysis::Diagnose(trace, {.parent_source = parents.get()});
  std::cout << RenderExplanation(diagnosis, options_);
  return 0;
}

}  // namespace hoptrace::cli
