// The UI routes on a real http::Server over a real socket: the embedded ui/app files, the app-route
// fallback to index.html, and 404s for unknown API paths and files.

#include "hoptrace/ui/ui_routes.h"

#include <gtest/gtest.h>

#include "hoptrace/http/server.h"
#include "test_client.h"

namespace hoptrace::ui {
namespace {

using http::testing::Fetch;

class UiRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::Router router;
    // A route registered elsewhere (the query API) must still win over the UI's catch-all.
    router.Get("/api/services", [](http::Request&) { return http::Response::Json(200, "[]"); });
    RegisterRoutes(router, registry_);
    server_ = std::make_unique<http::Server>(http::ServerOptions{}, std::move(router));
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
  }

  std::optional<http::testing::ClientResponse> Get(std::string_view target, const http::Headers& headers = {}) {
    return Fetch(server_->port(), "GET", target, {}, headers);
  }

  metrics::Registry registry_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(UiRoutesTest, RootAndAppRoutesAnswerIndexHtml) {
  const auto index = FindAsset("/index.html");
  ASSERT_TRUE(index.has_value());
  for (const std::string_view target : {"/", "/search?service=a", "/trace/4bf92f3577b34da6?span=00f067aa0ba902b7",
                                        "/graph", "/compare/ab/cd"}) {
    const auto answer = Get(target);
    ASSERT_TRUE(answer.has_value()) << target;
    EXPECT_EQ(answer->status, 200u) << target;
    EXPECT_EQ(answer->Header("Content-Type"), "text/html; charset=utf-8") << target;
    EXPECT_EQ(answer->Header("Cache-Control"), "no-cache") << target;
    EXPECT_EQ(answer->body, index->body) << target;
  }
}

TEST_F(UiRoutesTest, AssetsComeWithTheirTypeAndEtag) {
  const auto script = Get("/app.js");
  ASSERT_TRUE(script.has_value());
  EXPECT_EQ(script->status, 200u);
  EXPECT_EQ(script->Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(script->body, FindAsset("/app.js")->body);
  EXPECT_FALSE(script->body.empty());

  const auto styles = Get("/styles.css");
  ASSERT_TRUE(styles.has_value());
  EXPECT_EQ(styles->Header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_NE(styles->Header("ETag"), script->Header("ETag"));
}

TEST_F(UiRoutesTest, UnchangedAssetRevalidatesTo304) {
  const auto first = Get("/palette.js");
  ASSERT_TRUE(first.has_value());
  const std::string etag(first->Header("ETag"));
  ASSERT_FALSE(etag.empty());
  const auto again = Get("/palette.js", {{"If-None-Match", etag}});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 304u);
  EXPECT_TRUE(again->body.empty());
  const auto stale = Get("/palette.js", {{"If-None-Match", "\"old\""}});
  ASSERT_TRUE(stale.has_value());
  EXPECT_EQ(stale->status, 200u);
}

TEST_F(UiRoutesTest, UnknownApiPathAndFileAre404AndCounted) {
  const auto api = Get("/api/nothing/here");
  ASSERT_TRUE(api.has_value());
  EXPECT_EQ(api->status, 404u);
  EXPECT_EQ(api->Header("Content-Type"), "application/json");
  EXPECT_NE(api->body.find("no API endpoint /api/nothing/here"), std::string::npos);

  const auto file = Get("/missing.js");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->status, 404u);

  const auto known = Get("/api/services");
  ASSERT_TRUE(known.has_value());
  EXPECT_EQ(known->status, 200u);
  EXPECT_EQ(known->body, "[]");

  EXPECT_NE(registry_.Render().find("hoptrace_ui_not_found_total 2"), std::string::npos) << registry_.Render();
}

}  // namespace
}  // namespace hoptrace::ui
