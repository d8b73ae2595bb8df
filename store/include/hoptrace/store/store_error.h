#pragma once
// A query a store backend could not answer: its database is down or answered garbage. The query
// methods of store::Store return values, not a Status, so a backend that can fail (ClickHouse)
// throws this instead of answering "nothing found"; the query API turns it into a 503 (kUnavailable,
// kIoError) or a 500 with the message. The embedded store never throws it.

#include <stdexcept>

#include "hoptrace/store/store.h"

namespace hoptrace::store {

class StoreError : public std::runtime_error {
 public:
  explicit StoreError(Status status) : std::runtime_error(status.message()), status_(std::move(status)) {}
  const Status& status() const { return status_; }
  // Whether trying again later may succeed (the answer is 503 with Retry-After, not 500).
  bool transient() const {
    return status_.code() == Status::Code::kUnavailable || status_.code() == Status::Code::kIoError;
  }

 private:
  Status status_;
};

}  // namespace hoptrace::store
