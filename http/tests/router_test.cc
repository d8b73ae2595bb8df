#include <gtest/gtest.h>

#include <stdexcept>

#include "hoptrace/http/router.h"

namespace hoptrace::http {
namespace {

Handler Named(std::string name) {
  return [name = std::move(name)](Request&) { return Response::Text(200, name); };
}

std::string Call(const Router::Match& match) {
  Request request;
  return (*match.handler)(request).body;
}

TEST(Router, MatchesExactParamAndRestRoutesBySpecificity) {
  Router router;
  router.Get("/api/traces/{id}", Named("trace"))
      .Get("/api/traces/search", Named("search"))
      .Get("/static/*", Named("static"))
      .Get("/", Named("root"));

  Router::Match match = router.Find("GET", "/api/traces/search");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(Call(match), "search");

  match = router.Find("GET", "/api/traces/4bf9%2F2");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(Call(match), "trace");
  EXPECT_EQ(match.pattern, "/api/traces/{id}");
  ASSERT_EQ(match.params.size(), 1u);
  EXPECT_EQ(match.params[0], (std::pair<std::string, std::string>{"id", "4bf9/2"}));

  match = router.Find("GET", "/static/css/app.css");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(match.params[0].second, "css/app.css");
  match = router.Find("GET", "/static/");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(match.params[0].second, "");

  EXPECT_EQ(Call(router.Find("GET", "/")), "root");
}

TEST(Router, DistinguishesNotFoundFromWrongMethod) {
  Router router;
  router.Post("/v1/traces", Named("post")).Add("PUT", "/v1/traces", Named("put"));
  EXPECT_EQ(router.Find("GET", "/v1/trace").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.Find("GET", "/v1/traces/x").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.Find("GET", "/api/traces/").kind, Router::Match::Kind::kNotFound);
  const Router::Match match = router.Find("GET", "/v1/traces");
  EXPECT_EQ(match.kind, Router::Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(match.allow, "POST, PUT");
}

TEST(Router, EmptyParameterSegmentDoesNotMatch) {
  Router router;
  router.Get("/api/traces/{id}", Named("trace"));
  EXPECT_EQ(router.Find("GET", "/api/traces/").kind, Router::Match::Kind::kNotFound);
}

TEST(Router, MalformedEscapeInParameterIsBadPath) {
  Router router;
  router.Get("/api/traces/{id}", Named("trace"));
  EXPECT_EQ(router.Find("GET", "/api/traces/%zz").kind, Router::Match::Kind::kBadPath);
}

TEST(Router, RefusesMalformedPatterns) {
  Router router;
  EXPECT_THROW(router.Get("api", Named("x")), std::invalid_argument);
  EXPECT_THROW(router.Get("/a/*/b", Named("x")), std::invalid_argument);
  EXPECT_THROW(router.Get("/a/{}", Named("x")), std::invalid_argument);
}

}  // namespace
}  // namespace hoptrace::http
