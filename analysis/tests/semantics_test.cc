// Statement and route shapes, credential recognition, and duration wording.

#include <gtest/gtest.h>

#include "hoptrace/analysis/diagnosis.h"
#include "hoptrace/analysis/secrets.h"
#include "hoptrace/analysis/span_semantics.h"

namespace hoptrace::analysis {
namespace {

TEST(SemanticsTest, StatementsNormaliseLiteralsNumbersAndInLists) {
  EXPECT_EQ(NormalizeStatement("SELECT *  FROM t\n WHERE id = 42 AND name = 'O''Brien'"),
            "select * from t where id = ? and name = ?");
  EXPECT_EQ(NormalizeStatement("select a from t2 where x in (1, 2, 3) and y = $1"), "select a from t2 where x in (?) and y = ?");
  EXPECT_EQ(NormalizeStatement("UPDATE t SET v = 1.5e3 WHERE k = \"x\""), "update t set v = ? where k = ?");
  EXPECT_EQ(NormalizeStatement("select 1"), NormalizeStatement("SELECT 2"));
}

TEST(SemanticsTest, PathsNormaliseIdsAndDropQueries) {
  EXPECT_EQ(NormalizePath("/users/42/orders/9f1c2b3a4d5e6f708192a3b4c5d6e7f8?x=1"), "/users/{id}/orders/{id}");
  EXPECT_EQ(NormalizePath("https://api.example.com/v1/items/123e4567-e89b-12d3-a456-426614174000#top"), "/v1/items/{id}");
  EXPECT_EQ(NormalizePath("/v2/health"), "/v2/health");
}

TEST(SemanticsTest, SecretKeys) {
  for (const char* key : {"http.request.header.authorization", "password", "db.passwd", "client_secret", "x-api-key",
                          "apiKey", "access_token", "AWS_SECRET_ACCESS_KEY", "privateKey", "user.credentials"}) {
    EXPECT_TRUE(IsSecretKey(key)) << key;
  }
  for (const char* key : {"gen_ai.usage.input_tokens", "http.method", "cache.key", "keyboard.layout", "passenger.count",
                          "author", "db.statement"}) {
    EXPECT_FALSE(IsSecretKey(key)) << key;
  }
}

TEST(SemanticsTest, SecretValues) {
  EXPECT_EQ(SecretInValue("Bearer abcdefghijklmnop"), "bearer token");
  EXPECT_EQ(SecretInValue("curl -H 'authorization: basic dXNlcjpwYXNzd29yZA=='"), "basic credentials");
  EXPECT_EQ(SecretInValue("token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "JWT");
  EXPECT_EQ(SecretInValue("key AKIAIOSFODNN7EXAMPLE used"), "API key");
  EXPECT_EQ(SecretInValue("card 4111 1111 1111 1111 charged"), "card number");
  EXPECT_EQ(SecretInValue("5500-0000-0000-0004"), "card number");
  EXPECT_EQ(SecretInValue("4111111111111112"), std::nullopt) << "fails Luhn";
  EXPECT_EQ(SecretInValue("order 1700000000000000123"), std::nullopt) << "no issuer prefix";
  EXPECT_EQ(SecretInValue("the bearer of bad news"), std::nullopt);
  EXPECT_EQ(SecretInValue("GET /users/42"), std::nullopt);
}

TEST(SemanticsTest, LuhnAndRedaction) {
  EXPECT_TRUE(PassesLuhn("79927398713"));
  EXPECT_FALSE(PassesLuhn("79927398710"));
  EXPECT_EQ(Redact("Bearer abcdefghijklmnop"), "Bearer ***");
  EXPECT_EQ(Redact("hunter2"), "*** (7 chars)");
}

TEST(SemanticsTest, DurationsInHeadlines) {
  EXPECT_EQ(FormatNanos(7'900'000'000), "7.9 s");
  EXPECT_EQ(FormatNanos(12'300'000'000), "12 s");
  EXPECT_EQ(FormatNanos(120'000'000), "120 ms");
  EXPECT_EQ(FormatNanos(850'000), "850 µs");
  EXPECT_EQ(FormatNanos(0), "0 ns");
}

}  // namespace
}  // namespace hoptrace::analysis
