#pragma once
// The commands that talk to a running `hoptrace serve`: get, search, export (query API) and import
// (OTLP/HTTP receiver).

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hoptrace::cli {

// Fetches a trace from a running `hoptrace serve` as OTLP JSON (the ExportTraceServiceRequest
// shape); nullopt with `error` when the ID is malformed, the trace is missing or the server fails.
std::optional<std::string> FetchTraceJson(std::string_view server, std::string_view trace_id, std::string* error);

// Splits a file into OTLP JSON documents: one whole document, or one per line (JSON lines);
// Tempo's {"trace": ...} wrapper is taken off.
std::vector<std::string> SplitDocuments(const std::string& text);

class ClientCommands {
 public:
  explicit ClientCommands(CLI::App& app);
  // Runs whichever of the commands was parsed; returns the exit code.
  int Run();

 private:
  int Get();
  int Search();
  int Export();
  int Import();

  std::string server_ = "http://localhost:16686";
  std::string otlp_endpoint_ = "http://localhost:4318/v1/traces";
  std::string trace_id_;
  std::string query_;
  std::string since_ = "1h";
  std::size_t limit_ = 20;
  bool attributes_ = false;
  std::string file_;
  std::size_t batch_spans_ = 2000;

  CLI::App* get_ = nullptr;
  CLI::App* search_ = nullptr;
  CLI::App* export_ = nullptr;
  CLI::App* import_ = nullptr;
};

}  // namespace hoptrace::cli
