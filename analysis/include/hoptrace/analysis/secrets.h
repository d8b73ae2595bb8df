#pragma once
// Recognising credentials that should never be in a span: by the attribute's key (authorization,
// password, token, API key, ...) or by the value's form (bearer/basic credentials, JWTs, well-known
// key prefixes, payment card numbers that pass the Luhn check).

#include <optional>
#include <string>
#include <string_view>

namespace hoptrace::analysis {

// The key names a credential: one of its words (split at non-letters and camelCase) is
// authorization, password, passwd, secret, token, credential(s), apikey, or the pair api/access/
// private + key. "gen_ai.usage.input_tokens" is not one ("tokens" counts, it does not authorise).
bool IsSecretKey(std::string_view key);

// What kind of credential the value holds ("bearer token", "JWT", "card number", ...), if any.
std::optional<std::string> SecretInValue(std::string_view value);

// The Luhn checksum over the digits of `number` (other characters ignored).
bool PassesLuhn(std::string_view number);

// A value redacted for display: "***" and its length; an authorization scheme word is kept ("Bearer ***").
std::string Redact(std::string_view value);

}  // namespace hoptrace::analysis
