#pragma once
// The query HTTP API on a real server (127.0.0.1, an ephemeral port) for the tests, stopped when
// it goes out of scope.

#include <memory>
#include <string>

#include "hoptrace/http/server.h"
#include "hoptrace/query/http_api.h"

namespace hoptrace::query::testing {

class ApiTestServer {
 public:
  ApiTestServer(store::Store& store, metrics::Registry& registry, HttpApi::Options options = {})
      : api_(std::make_unique<HttpApi>(store, registry, std::move(options))) {}
  ~ApiTestServer() {
    if (server_) server_->Stop();
  }

  bool Start(std::string* error) {
    http::Router router;
    api_->RegisterRoutes(router);
    server_ = std::make_unique<http::Server>(http::ServerOptions{}, std::move(router));
    return server_->Start(error);
  }
  std::uint16_t port() const { return server_->port(); }

 private:
  std::unique_ptr<HttpApi> api_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace hoptrace::query::testing
