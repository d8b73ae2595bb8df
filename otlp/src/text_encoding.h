#pragma once
// Small text encoders shared by the protobuf path and the JSON writer and reader. Everything
// appends to a std::string so callers build their output in one buffer.

#include <cstdint>
#include <string>
#include <string_view>

namespace hoptrace::otlp::internal {

bool IsValidUtf8(std::string_view s);

// Appends `s` with every invalid UTF-8 sequence replaced by U+FFFD. Protobuf `string` fields must
// hold valid UTF-8 (receivers reject the whole request otherwise), and the model does not promise it.
void AppendValidUtf8(std::string_view s, std::string* out);
// Sets `*out` to `s`, made valid UTF-8 as above.
void AssignValidUtf8(std::string_view s, std::string* out);

// Appends `s` as a quoted JSON string: quotes, backslashes and control characters escaped,
// invalid UTF-8 replaced by U+FFFD, so the output is always valid JSON.
void AppendJsonString(std::string_view s, std::string* out);

void AppendDecimal(std::uint64_t value, std::string* out);
void AppendDecimal(std::int64_t value, std::string* out);
// Shortest text that reads back as the same double ("1.5", "1e+300"). NaN and infinities
// become NaN / Infinity / -Infinity (callers quote them where JSON needs it).
void AppendDoubleText(double value, std::string* out);
// A JSON value for `value`: a number, or "NaN" / "Infinity" / "-Infinity" as strings, as
// ProtoJSON writes doubles.
void AppendJsonDouble(double value, std::string* out);
// Parses the texts AppendDoubleText writes, plus any decimal number.
bool ParseDoubleText(std::string_view text, double* out);

// Standard base64 with padding (what ProtoJSON uses for bytes).
void AppendBase64(std::string_view bytes, std::string* out);
// Accepts standard and URL-safe alphabets, with or without padding, as ProtoJSON readers must.
bool DecodeBase64(std::string_view text, std::string* out);

}  // namespace hoptrace::otlp::internal
