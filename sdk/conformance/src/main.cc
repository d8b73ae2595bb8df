// hoptrace-tracecontext-service [--host ADDRESS] [--port PORT]
// The W3C trace-context test suite's service under test (see service.h). Runs until SIGINT/SIGTERM.
// Its spans go where the OTEL_* variables say (by default OTLP/HTTP to localhost:4318).

#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string_view>

#include "hoptrace/sdk/conformance/service.h"
#include "hoptrace/sdk/config/environment.h"

namespace {

using hoptrace::sdk::conformance::ServiceOptions;

int Usage(const char* program, int exit_code) {
  (exit_code == 0 ? std::cout : std::cerr)
      << "usage: " << program << " [--host ADDRESS] [--port PORT]   (default 127.0.0.1:5000)\n\n"
      << "The service under test of the W3C trace-context test suite. On a POST whose body is a JSON\n"
      << "array of {\"url\": ..., \"arguments\": ...}, it starts a SERVER span from the incoming\n"
      << "traceparent/tracestate and POSTs each element's arguments to its url, injecting the context.\n"
      << "Spans are exported as the OTEL_* environment variables say (OTEL_TRACES_EXPORTER=console\n"
      << "prints them; the default sends OTLP/HTTP to localhost:4318).\n";
  return exit_code;
}

std::optional<ServiceOptions> ParseArguments(int argc, char** argv) {
  ServiceOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--host") {
      options.host = argv[i + 1];
    } else if (flag == "--port") {
      char* end = nullptr;
      const long port = std::strtol(argv[i + 1], &end, 10);
      if (*end != '\0' || port < 0 || port > 65535) return std::nullopt;
      options.port = static_cast<std::uint16_t>(port);
    } else {
      return std::nullopt;
    }
  }
  if (argc % 2 == 0) return std::nullopt;  // a flag without its value
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    return Usage(argv[0], 0);
  }
  const auto options = ParseArguments(argc, argv);
  if (!options) return Usage(argv[0], 2);

  // Block the stop signals in every thread, then wait for one here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto sdk = hoptrace::sdk::config::ConfigureFromEnvironment("tracecontext-service");
  try {
    hoptrace::sdk::conformance::TraceContextService service(sdk.provider->GetTracer("hoptrace.conformance"),
                                                            *options);
    std::cout << "listening on " << options->host << ":" << service.port() << std::endl;
    int signal = 0;
    sigwait(&stop_signals, &signal);
    service.Stop();
  } catch (const std::exception& error) {
    std::cerr << "hoptrace-tracecontext-service: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
