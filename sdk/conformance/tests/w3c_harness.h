#pragma once
// The test side of the W3C trace-context test harness protocol (w3c/trace-context test/test.py):
// the harness POSTs `[{"url": <harness>/<n>, "arguments": []}, ...]` with chosen headers to the
// service under test, which must call each URL back; the harness then reads the `traceparent` and
// `tracestate` lines of every callback. Real sockets on 127.0.0.1, an ephemeral port, bounded waits.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace hoptrace::sdk::conformance::w3c {

using HeaderLines = std::vector<std::pair<std::string, std::string>>;

// A `traceparent` as the harness reads it: version 00, lower-case hex, nothing else accepted.
struct ReceivedTraceParent {
  std::string trace_id;   // 32 hex digits
  std::string parent_id;  // 16 hex digits
  std::string flags;      // 2 hex digits
};

// Every `tracestate` line of a callback, combined and split as the spec says (OWS trimmed, empty
// members skipped); keeps order and repeated keys so the tests can see both.
struct ReceivedTraceState {
  std::vector<std::pair<std::string, std::string>> members;
  std::optional<std::string> Get(const std::string& key) const;
  std::string Joined() const;  // "k=v,k=v"
};

class Harness {
 public:
  Harness();
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // Sends `headers` (names and values exactly as given, repeats kept) to the service with a request
  // for `callbacks` calls back; returns each callback's header lines, in callback order. A callback
  // that never came is an empty entry.
  std::vector<HeaderLines> Exchange(const std::string& service_url, const HeaderLines& headers, int callbacks);

 private:
  void AcceptUntilStopped();
  std::string CallbackUrl(int index) const;

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  bool stopping_ = false;
  std::mutex mutex_;
  std::map<std::string, HeaderLines> received_;  // by callback path, "/0", "/1", ...
  std::thread thread_;
};

// The single `traceparent` of a callback, parsed strictly; nullopt (with `error`) when there is not
// exactly one line or it is not version 00 lower-case hex.
std::optional<ReceivedTraceParent> TraceParentOf(const HeaderLines& callback, std::string* error);
ReceivedTraceState TraceStateOf(const HeaderLines& callback);

}  // namespace hoptrace::sdk::conformance::w3c
