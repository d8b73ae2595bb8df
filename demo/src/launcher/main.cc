// hoptrace-demo: the checkout demo in one command (`make demo`). Starts `hoptrace serve` on the
// embedded store with tail sampling, then the services as separate processes, drives the scenarios,
// prints the UI address, the notable traces and `hoptrace explain` of the nine-second checkout, and
// keeps shopping until Ctrl-C (or, with --requests N --exit, stops after N checkouts).

#include <pthread.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "hoptrace/http/client.h"
#include "processes.h"
#include "report.h"
#include "traffic.h"

namespace hoptrace::demo {
namespace {

constexpr auto kStartupTimeout = std::chrono::seconds(60);
constexpr auto kSteadyConcurrency = 4;

struct Options {
  std::size_t requests = 0;  // 0: keep going until Ctrl-C
  bool exit_after = false;
  double time_scale = 1.0;
  double head_ratio = 0.5;
  double rate = 2.0;  // steady checkouts per second
  std::uint16_t base_port = 18080;
  std::uint16_t query_port = 16686;
  std::uint16_t otlp_http_port = 14318;
  std::uint16_t otlp_grpc_port = 14317;
  std::uint16_t zipkin_port = 19411;
  std::filesystem::path run_dir = "hoptrace-demo-run";
  std::filesystem::path summary;
  std::string hoptrace = HOPTRACE_BINARY;
};

// SIGINT/SIGTERM are blocked in every thread and taken by one waiting thread, which flips this.
class StopSignal {
 public:
  StopSignal() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    waiter_ = std::thread([this] {
      int signal = 0;
      sigwait(&signals_, &signal);
      std::lock_guard lock(mutex_);
      requested_ = true;
      changed_.notify_all();
    });
  }
  ~StopSignal() {
    pthread_kill(waiter_.native_handle(), SIGTERM);  // wakes the waiter if no signal came (harmless if one did)
    waiter_.join();
  }
  bool requested() {
    std::lock_guard lock(mutex_);
    return requested_;
  }
  // Sleeps up to `duration`; true when a stop was requested meanwhile.
  bool WaitFor(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, duration, [this] { return requested_; });
  }

 private:
  sigset_t signals_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool requested_ = false;
  std::thread waiter_;
};

struct ServiceLayout {
  const char* name;      // service.name, and the binary hoptrace-demo-<name>
  std::vector<const char*> peers;
};

// In start order: every service starts after the services it calls.
const std::vector<ServiceLayout> kServices = {
    {"database", {}},
    {"cache", {}},
    {"fraud-api", {}},
    {"queue", {}},
    {"inventory", {}},
    {"payments", {"database", "cache", "fraud-api"}},
    {"worker", {"queue", "cache"}},
    {"orders", {"inventory", "payments", "queue", "cache"}},
    {"gateway", {"orders"}},
};

std::filesystem::path OwnDirectory() { return std::filesystem::read_symlink("/proc/self/exe").parent_path(); }

std::string FormatMillis(double millis) { return std::to_string(static_cast<long long>(std::llround(millis))) + "ms"; }

// serve's settings: our ports, the store in the run directory, and the tail sampler. Error traces
// and slow traces are always kept, as are the scenarios the demo shows; of the rest, a quarter.
std::string ServeConfig(const Options& options) {
  const double slow_millis = std::max(300.0, 3000.0 * options.time_scale);
  // Long enough for the slowest checkout's spans to arrive (8.5 s at real time); the root span's
  // arrival ends the wait sooner (idle_after_root).
  const double decision_wait_millis = 2000.0 + 12000.0 * options.time_scale;
  std::string notable;
  for (Scenario scenario : NotableScenarios()) notable += (notable.empty() ? "" : ", ") + std::string(ScenarioName(scenario));
  return "data-dir: " + (options.run_dir / "data").string() + "\nbind: 127.0.0.1\n" +
         "otlp-grpc-port: " + std::to_string(options.otlp_grpc_port) + "\n" +
         "otlp-http-port: " + std::to_string(options.otlp_http_port) + "\n" +
         "zipkin-port: " + std::to_string(options.zipkin_port) + "\n" +
         "query-port: " + std::to_string(options.query_port) + "\n" +
         "tail_sampling:\n"
         "  decision_wait: " + FormatMillis(decision_wait_millis) + "\n"
         "  idle_after_root: 1s\n"
         "  policies:\n"
         "    - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}\n"
         "    - {name: slow, type: latency, latency: {threshold_ms: " + std::to_string(std::llround(slow_millis)) + "}}\n"
         "    - {name: demo-scenarios, type: string_attribute, string_attribute: {key: demo.scenario, values: [" + notable + "]}}\n"
         "    - {name: baseline, type: probabilistic, probabilistic: {sampling_percentage: 25}}\n";
}

std::vector<std::string> ServiceEnvironment(const Options& options, std::uint16_t otlp_http_port) {
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%g", options.head_ratio);
  return {"OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:" + std::to_string(otlp_http_port),
          "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
          "OTEL_TRACES_SAMPLER=parentbased_traceidratio",
          std::string("OTEL_TRACES_SAMPLER_ARG=") + ratio,
          "OTEL_BSP_SCHEDULE_DELAY=200",
          "OTEL_RESOURCE_ATTRIBUTES=deployment.environment.name=demo"};
}

class Demo {
 public:
  explicit Demo(Options options) : options_(std::move(options)), processes_(options_.run_dir / "demo.pids") {}

  int Run() {
    std::string error;
    if (!Prepare(&error) || !StartServe(&error) || !StartServices(&error)) {
      std::cerr << "hoptrace-demo: " << error << std::endl;
      return 1;
    }
    const std::string ui = "http://localhost:" + std::to_string(query_port_);
    std::cout << "\nAll services up. hoptrace UI and API: " << ui << "/   (logs in " << options_.run_dir.string() << ")\n"
              << std::flush;
    TrafficGenerator traffic("http://127.0.0.1:" + std::to_string(ports_.at("gateway")),
                             "http://127.0.0.1:" + std::to_string(otlp_http_port_));
    const std::size_t first_round = options_.requests > 0 ? options_.requests : 20;
    std::cout << "Running " << first_round << " checkouts (every scenario once, then normal ones)...\n" << std::flush;
    const std::vector<CheckoutResult> results = traffic.FirstRound(first_round);
    traffic.Flush();
    const QueryApi api("http://127.0.0.1:" + std::to_string(query_port_));
    const Report report = CollectReport(api, results, options_.hoptrace, std::chrono::seconds(60),
                                        [this] { return stop_.requested(); });
    PrintReport(report, ui);
    if (!options_.summary.empty()) WriteSummary(report, options_.summary);
    if (!options_.exit_after && !stop_.requested()) KeepShopping(traffic, first_round);
    std::cout << "\nStopping every process..." << std::endl;
    WaitForQueueToDrain();
    processes_.StopAll();
    std::cout << "Stopped. The data stays in " << (options_.run_dir / "data").string() << " until the next run.\n";
    return 0;
  }

 private:
  bool Prepare(std::string* error) {
    std::error_code code;
    std::filesystem::create_directories(options_.run_dir, code);
    if (code) {
      *error = "cannot create " + options_.run_dir.string() + ": " + code.message();
      return false;
    }
    CleanUpStaleRun(options_.run_dir / "demo.pids");  // a previous run killed hard leaves processes behind
    // Each run starts from an empty store and database, so the traces printed are this run's.
    std::filesystem::remove_all(options_.run_dir / "data", code);
    std::filesystem::remove(options_.run_dir / "demo.sqlite", code);
    std::filesystem::remove(options_.run_dir / "demo.sqlite-wal", code);
    std::filesystem::remove(options_.run_dir / "demo.sqlite-shm", code);
    std::ofstream(options_.run_dir / "serve.yaml", std::ios::trunc) << ServeConfig(options_);
    return true;
  }

  bool StartServe(std::string* error) {
    const ProcessSpec spec{"serve",
                           {options_.hoptrace, "serve", "--config", (options_.run_dir / "serve.yaml").string()},
                           {},
                           options_.run_dir / "serve.log"};
    if (!processes_.Start(spec, error)) return false;
    const auto query = processes_.WaitForPort("serve", "query API on http://", kStartupTimeout, error);
    const auto otlp = query ? processes_.WaitForPort("serve", "otlp_http receiver on ", kStartupTimeout, error) : std::nullopt;
    if (!query || !otlp) {
      *error += "\n(is a port taken? choose others with --query-port, --otlp-http-port, --otlp-grpc-port, --zipkin-port)";
      return false;
    }
    query_port_ = *query;
    otlp_http_port_ = *otlp;
    std::cout << "hoptrace serve: query API on 127.0.0.1:" << query_port_ << ", OTLP/HTTP on 127.0.0.1:" << otlp_http_port_
              << std::endl;
    return true;
  }

  bool StartServices(std::string* error) {
    const std::filesystem::path binaries = OwnDirectory();
    for (std::size_t i = 0; i < kServices.size(); ++i) {
      const ServiceLayout& layout = kServices[i];
      const std::string name = layout.name;
      const std::uint16_t port = options_.base_port == 0 ? 0 : static_cast<std::uint16_t>(options_.base_port + i);
      std::vector<std::string> argv = {(binaries / ("hoptrace-demo-" + name)).string(), "--port", std::to_string(port),
                                       "--time-scale", std::to_string(options_.time_scale)};
      for (const char* peer : layout.peers) {
        argv.insert(argv.end(), {"--peer", std::string(peer) + "=http://127.0.0.1:" + std::to_string(ports_.at(peer))});
      }
      if (name == "database") argv.insert(argv.end(), {"--db-file", (options_.run_dir / "demo.sqlite").string()});
      if (!processes_.Start({name, argv, ServiceEnvironment(options_, otlp_http_port_), options_.run_dir / (name + ".log")}, error)) {
        return false;
      }
      const auto bound = processes_.WaitForPort(name, "listening on ", kStartupTimeout, error);
      if (!bound) {
        *error += "\n(is port " + std::to_string(port) + " taken? choose another range with --base-port, or 0 for any)";
        return false;
      }
      ports_[name] = *bound;
      std::cout << "  " << name << " on 127.0.0.1:" << *bound << std::endl;
    }
    return true;
  }

  // After the first round: a steady mix at --rate checkouts per second until Ctrl-C.
  void KeepShopping(TrafficGenerator& traffic, std::size_t first_index) {
    std::cout << "\nShopping on at " << options_.rate << " checkouts/s (a notable one every 20). Ctrl-C stops everything.\n"
              << std::flush;
    std::atomic<std::size_t> next{first_index};
    std::atomic<std::size_t> failed{0};
    const auto pause = std::chrono::milliseconds(static_cast<long long>(1000.0 * kSteadyConcurrency / std::max(options_.rate, 0.01)));
    std::vector<std::thread> shoppers;
    for (int t = 0; t < kSteadyConcurrency; ++t) {
      shoppers.emplace_back([&] {
        while (!stop_.requested()) {
          const CheckoutResult result = traffic.Checkout(SteadyScenario(next++), static_cast<int>(1 + next % 1000));
          if (result.status != 200) ++failed;
          if (stop_.WaitFor(pause)) break;
        }
      });
    }
    while (!stop_.WaitFor(std::chrono::seconds(30))) {
      std::cout << "  " << next.load() << " checkouts so far, " << failed.load() << " failed (as planned: payment-error)\n"
                << std::flush;
    }
    for (std::thread& shopper : shoppers) shopper.join();
  }

  // The worker should see the last order-placed messages before it is stopped.
  void WaitForQueueToDrain() {
    const std::string queue = "http://127.0.0.1:" + std::to_string(ports_.count("queue") ? ports_.at("queue") : 0);
    for (int attempt = 0; attempt < 40; ++attempt) {
      http::Client client(queue, std::chrono::seconds(2));
      std::string error;
      const auto depth = client.Get("/queues/order-placed/depth", &error);
      if (!depth || depth->body == "0") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // background jobs due 300 ms after their order
  }

  Options options_;
  StopSignal stop_;
  ProcessGroup processes_;
  std::map<std::string, std::uint16_t> ports_;
  std::uint16_t query_port_ = 0;
  std::uint16_t otlp_http_port_ = 0;
};

}  // namespace
}  // namespace hoptrace::demo

int main(int argc, char** argv) {
  hoptrace::demo::Options options;
  CLI::App app{"The hoptrace checkout demo: hoptrace serve and nine services as real processes, with traffic."};
  app.add_option("--requests", options.requests, "Checkouts in the first round (at least one per scenario); 0: 20")
      ->capture_default_str();
  app.add_flag("--exit", options.exit_after, "Stop after the first round instead of shopping on until Ctrl-C");
  app.add_option("--time-scale", options.time_scale, "Multiplies every built-in delay (0.05: the 9 s checkout takes 0.45 s)")
      ->check(CLI::Range(0.001, 100.0))
      ->capture_default_str();
  app.add_option("--head-ratio", options.head_ratio, "Head sampling ratio of checkouts that arrive untraced")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--rate", options.rate, "Checkouts per second after the first round")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--base-port", options.base_port, "First of the services' ports (9 in a row); 0: any free ports")
      ->capture_default_str();
  app.add_option("--query-port", options.query_port, "hoptrace serve's UI and query API (0: any)")->capture_default_str();
  app.add_option("--otlp-http-port", options.otlp_http_port, "hoptrace serve's OTLP/HTTP receiver (0: any)")->capture_default_str();
  app.add_option("--otlp-grpc-port", options.otlp_grpc_port, "hoptrace serve's OTLP/gRPC receiver (0: any)")->capture_default_str();
  app.add_option("--zipkin-port", options.zipkin_port, "hoptrace serve's Zipkin receiver (0: any)")->capture_default_str();
  app.add_option("--run-dir", options.run_dir, "Logs, pid file, store and database of the run")->capture_default_str();
  app.add_option("--summary", options.summary, "Also write the notable trace IDs to this file");
  app.add_option("--hoptrace", options.hoptrace, "The hoptrace binary")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return hoptrace::demo::Demo(std::move(options)).Run();
}
