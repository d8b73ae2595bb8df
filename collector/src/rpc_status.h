#pragma once
// google.rpc.Status (and RetryInfo inside it) on the wire, written by hand: google/rpc/*.proto are not
// among the protos hoptrace builds, and these messages are three fields deep.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hoptrace::collector::internal {

// Status {int32 code = 1; string message = 2; repeated Any details = 3}, with a google.rpc.RetryInfo
// detail when `retry_delay` is set (what OTLP asks of throttling answers).
std::string EncodeRpcStatus(int code, std::string_view message,
                            std::optional<std::chrono::seconds> retry_delay = std::nullopt);

}  // namespace hoptrace::collector::internal
