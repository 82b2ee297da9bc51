// Which memory a request hands to the kernel (see owned_memory.h): the caller's
// own allocAligned blocks, pinned; the slot's scratch block, with the bytes
// copied in (writes) or out (reads, on the loop thread, by copy_out); or, for
// a buffered request that io_submit runs inside the call, the caller's memory
// itself, borrowed until submit() returns (Slot::borrowed in queue.h).
#include <cstring>

#include "queue.h"
#include "queue_internal.h"

namespace laio {
namespace {

constexpr size_t kPage = 4096;
// A slot keeps a scratch block this small for its next request. Larger ones are
// kept too while a context's large blocks stay within kLargeScratchBudget: a
// whole-file copy in 8 MiB requests would otherwise map, fault in and unmap
// 8 MiB per request.
constexpr size_t kKeepScratch = 64 * 1024;
constexpr size_t kLargeScratchBudget = 64 * 1024 * 1024;

// Where each part goes in scratch: at the same offset within a 4 KiB page as
// the caller's memory, so that O_DIRECT accepts or refuses it exactly as it
// would the caller's own buffer.
size_t scratch_layout(const struct iovec* parts, unsigned count, size_t* offsets) {
  size_t end = 0;
  for (unsigned k = 0; k < count; k++) {
    const size_t in_page = reinterpret_cast<uintptr_t>(parts[k].iov_base) & (kPage - 1);
    const size_t page = (end + kPage - 1) & ~(kPage - 1);
    offsets[k] = page + in_page;
    end = offsets[k] + parts[k].iov_len;
  }
  return end;
}

}  // namespace

void Slot::drop_pins() {
  for (Block* b : pins) block_unref(b);
  pins.clear();
}

void Slot::trim_scratch(size_t* large_kept) {
  if (scratch == nullptr || scratch->size <= kKeepScratch || scratch_counted) return;
  if (*large_kept + scratch->size <= kLargeScratchBudget) {
    *large_kept += scratch->size;
    scratch_counted = true;
    return;
  }
  block_unref(scratch);
  scratch = nullptr;
}

void Slot::drop_scratch(size_t* large_kept) {
  if (scratch == nullptr) return;
  if (scratch_counted) *large_kept -= scratch->size;
  scratch_counted = false;
  block_unref(scratch);
  scratch = nullptr;
}

void Slot::free_memory(size_t* large_kept) {
  drop_pins();
  drop_scratch(large_kept);
}

namespace {

// Points the iocb at s.iov (one buffer for read/write, the vector otherwise).
void aim_iocb(Slot& s) {
  const unsigned count = static_cast<unsigned>(s.iov.size());
  if (s.op == kRead || s.op == kWrite) {
    s.cb.aio_buf = reinterpret_cast<uintptr_t>(count == 1 ? s.iov[0].iov_base : nullptr);
    s.cb.aio_nbytes = count == 1 ? s.iov[0].iov_len : 0;
  } else {
    s.cb.aio_buf = reinterpret_cast<uintptr_t>(s.iov.data());
    s.cb.aio_nbytes = count;
  }
}

// Points the slot at its scratch block laid out for parts: written bytes are
// copied in now, read bytes wait for copy_out. parts may be s.iov itself.
int to_scratch(Slot& s, const struct iovec* parts, unsigned count, size_t* large_kept) {
  thread_local std::vector<struct iovec> from;
  from.assign(parts, parts + count);
  thread_local std::vector<size_t> offsets;
  offsets.resize(count);
  const size_t size = scratch_layout(from.data(), count, offsets.data());
  if (s.scratch == nullptr || s.scratch->size < size) {
    s.drop_scratch(large_kept);
    // Whole pages: a slot's next requests mostly fit without a new block.
    s.scratch = block_new((size + kPage - 1) & ~(kPage - 1), kPage, false);
    if (s.scratch == nullptr) return -ENOMEM;
  }
  const bool write = is_write(s.op);
  s.iov.resize(count);
  for (unsigned k = 0; k < count; k++) {
    s.iov[k] = {s.scratch->base + offsets[k], from[k].iov_len};
    if (write && from[k].iov_len > 0) std::memcpy(s.iov[k].iov_base, from[k].iov_base, from[k].iov_len);
  }
  s.copy_out = !write;
  aim_iocb(s);
  return 1;
}

}  // namespace

// Points the slot's iocb at memory that stays valid until the request is done:
// 0, or a negative errno (EFAULT: the views no longer hold what the call named).
int plan_memory(Slot& s, const struct iovec* parts, unsigned count, BorrowQuery borrow, size_t* large_kept) {
  uint64_t total = 0;
  for (unsigned k = 0; k < count; k++) total += parts[k].iov_len;
  // A view keeps its offset and length for life, but reads as empty once its
  // ArrayBuffer is detached or shrunk below it.
  if (total != s.named) return -EFAULT;
  s.copy_out = false;
  s.borrowed = false;
  bool owned = true;
  for (unsigned k = 0; k < count && owned; k++) {
    if (parts[k].iov_len == 0) continue;
    Block* b = block_pin(parts[k].iov_base, parts[k].iov_len);
    if (b == nullptr) owned = false;
    else s.pins.push_back(b);
  }
  if (!owned) s.drop_pins();
  if (!owned && (borrow.ask == nullptr || !borrow.ask(borrow.arg))) return to_scratch(s, parts, count, large_kept);
  // Package memory, pinned; or the caller's own, borrowed for the length of
  // this submit() (queue.h: Slot::borrowed).
  s.borrowed = !owned;
  s.iov.assign(parts, parts + count);
  aim_iocb(s);
  return 0;
}

int Queue::unborrow(Slot& s) {
  end_borrow(s);
  const int r = to_scratch(s, s.iov.data(), static_cast<unsigned>(s.iov.size()), &large_scratch_kept_);
  return r < 0 ? r : 0;
}

int64_t Queue::copy_out(uint32_t slot, int32_t res, const struct iovec* parts, unsigned count) {
  if (slot >= depth_) return -EINVAL;
  Slot& s = slots_[slot];
  if (s.busy || !s.copy_out || s.scratch == nullptr) return -EINVAL;
  s.copy_out = false;
  uint64_t total = 0;
  for (unsigned k = 0; k < count; k++) total += parts[k].iov_len;
  int64_t out = -EFAULT;  // the views no longer hold what the call named
  if (total == s.named && count == s.iov.size() && res >= 0) {
    size_t left = static_cast<size_t>(res);
    for (unsigned k = 0; k < count && left > 0; k++) {
      const size_t n = std::min(left, parts[k].iov_len);
      if (n > 0) std::memcpy(parts[k].iov_base, s.iov[k].iov_base, n);
      left -= n;
    }
    out = res;
  }
  s.trim_scratch(&large_scratch_kept_);
  return out;
}

}  // namespace laio
