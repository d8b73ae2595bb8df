#include "io/write_fully.h"

#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace hoptrace::store::io {

bool WriteFullyAt(int fd, std::span<iovec> pieces, std::uint64_t offset, int* error) {
  std::size_t first = 0;
  auto at = static_cast<off_t>(offset);
  while (first < pieces.size() && pieces[first].iov_len == 0) ++first;
  while (first < pieces.size()) {
    const int count = static_cast<int>(std::min<std::size_t>(pieces.size() - first, IOV_MAX));
    const ssize_t written = ::pwritev(fd, &pieces[first], count, at);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      *error = written < 0 ? errno : ENOSPC;  // a write that wrote nothing: no space left
      return false;
    }
    at += written;
    auto left = static_cast<std::size_t>(written);
    while (first < pieces.size() && left >= pieces[first].iov_len) left -= pieces[first++].iov_len;
    if (left > 0) {
      pieces[first].iov_base = static_cast<char*>(pieces[first].iov_base) + left;
      pieces[first].iov_len -= left;
    }
  }
  return true;
}

}  // namespace hoptrace::store::io
