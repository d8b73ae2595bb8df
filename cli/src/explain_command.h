#pragma once
// `hoptrace explain <trace-id | otlp.json>`: the diagnosis of one trace (analysis/): a terminal
// waterfall with the critical path marked, then the findings ranked by the latency they explain.
// From a running server (--server, like `get`) or offline from an exported OTLP JSON file.

#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>

namespace hoptrace::analysis {
struct Diagnosis;
}

namespace hoptrace::cli {

enum class ExplainFormat { kText, kJson, kMarkdown };

struct ExplainOptions {
  ExplainFormat format = ExplainFormat::kText;
  bool color = false;           // ANSI colours (text only; on when stdout is a terminal)
  bool all_spans = false;       // the whole waterfall, however long
  std::size_t max_spans = 200;  // otherwise at most this many rows: the spans that matter
  std::size_t max_findings = 10;
  std::size_t bar_width = 40;
};

// The explanation as the chosen format writes it.
std::string RenderExplanation(const analysis::Diagnosis& diagnosis, const ExplainOptions& options);

class ExplainCommand {
 public:
  explicit ExplainCommand(CLI::App& app);
  bool parsed() const { return command_->parsed(); }
  int Run();  // the exit code

 private:
  CLI::App* command_ = nullptr;
  std::string target_;
  std::string server_ = "http://localhost:16686";
  std::string format_ = "text";
  ExplainOptions options_;
};

}  // namespace hoptrace::cli
