// hoptrace: one binary for every role. `hoptrace --help` lists the commands.

#include <CLI/CLI.hpp>

#include <iostream>

#include "client_commands.h"
#include "clickhouse_store_config.h"
#include "explain_command.h"
#include "hotspots_command.h"
#include "serve.h"

int main(int argc, char** argv) {
  CLI::App app{
      "hoptrace: distributed tracing that names the hop that ate the time.\n"
      "Run `hoptrace serve` to receive and store spans, then query them with get/search/export."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hoptrace 0.1.0");

  hoptrace::cli::ServeConfig serve_config;
  CLI::App* serve = hoptrace::cli::AddServeCommand(app, serve_config);
  hoptrace::cli::ClientCommands client(app);
  hoptrace::cli::ExplainCommand explain(app);
  hoptrace::cli::StoreCommand store(app);
  hoptrace::cli::HotspotsCommand hotspots(app);

  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) return hoptrace::cli::RunServe(*serve, serve_config);
  if (explain.parsed()) return explain.Run();
  if (store.parsed()) return store.Run();
  if (hotspots.parsed()) return hotspots.Run();
  return client.Run();
}
