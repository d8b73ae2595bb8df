#pragma once
// For the API tests: the real embedded store in a fresh temp dir, and the query HTTP API on a real
// server (127.0.0.1, an ephemeral port), stopped when it goes out of scope.

#include <stdlib.h>

#include <memory>
#include <string>

#include "hoptrace/http/server.h"
#include "hoptrace/query/http_api.h"
#include "hoptrace/store/embedded_store.h"

namespace hoptrace::query::testing {

// Opens an embedded store (no fsync, no background thread: the tests cut explicitly) in a new
// directory made from `dir_template` (ends in XXXXXX); `dir` gets its path.
inline store::Status OpenTestStore(std::string dir_template, metrics::Registry& registry, std::string* dir,
                                   std::unique_ptr<store::EmbeddedStore>* store) {
  if (mkdtemp(dir_template.data()) == nullptr) return store::Status::Error(store::Status::Code::kIoError, "mkdtemp failed");
  *dir = dir_template;
  store::EmbeddedStoreOptions options;
  options.data_dir = *dir;
  options.fsync = store::FsyncPolicy::kNever;
  options.background = false;
  options.metrics = &registry;
  options.log = [](std::string_view) {};
  return store::EmbeddedStore::Open(options, store);
}

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
