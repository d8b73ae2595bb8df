// hoptrace-tracecontext-service [--host ADDRESS] [--port PORT]
// The W3C trace-context test suite's service under test (see service.h). Runs until SIGINT/SIGTERM.

#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string_view>

#include "hoptrace/sdk/conformance/service.h"
#include "hoptrace/sdk/tracer_provider.h"

namespace {

using hoptrace::sdk::conformance::ServiceOptions;

int Usage(const char* program) {
  std::cerr << "usage: " << program << " [--host ADDRESS] [--port PORT]   (default 127.0.0.1:5000)\n";
  return 2;
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
  const auto options = ParseArguments(argc, argv);
  if (!options) return Usage(argv[0]);

  // Block the stop signals in every thread, then wait for one here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  hoptrace::sdk::TracerProvider provider(
      {.resource = hoptrace::sdk::DefaultResource("tracecontext-service")});
  try {
    hoptrace::sdk::conformance::TraceContextService service(provider.GetTracer("hoptrace.conformance"),
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
