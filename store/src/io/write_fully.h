#pragma once
// Writing whole buffers to a file through short writes and EINTR: the loop the WAL's segments and
// the block files share.

#include <sys/uio.h>

#include <cstdint>
#include <span>

namespace hoptrace::store::io {

// Writes every byte of `pieces` from file offset `offset` (pwritev, at most IOV_MAX pieces a call),
// resuming after short writes; the entries of `pieces` are used up on the way. False with *error set
// when a call fails: its errno, or ENOSPC for a call that wrote nothing.
bool WriteFullyAt(int fd, std::span<iovec> pieces, std::uint64_t offset, int* error);

}  // namespace hoptrace::store::io
