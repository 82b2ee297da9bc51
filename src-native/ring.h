// Reading completions straight from the ring the kernel maps at the context
// address (fs/aio.c: struct aio_ring), as fio, Seastar and QEMU do, so that
// reaping costs no system call. Falls back to io_getevents whenever the header
// is not the one we know.
#pragma once

#include <linux/aio_abi.h>

#include <cstdint>

namespace laio {

class CompletionRing {
 public:
  CompletionRing() = default;
  // Checks the header once; usable() is false when it is unknown.
  explicit CompletionRing(aio_context_t ctx);

  bool usable() const { return ring_ != nullptr; }
  // Copies up to max events into out and releases their slots to the kernel.
  // Returns the number copied. Only one thread may reap.
  unsigned reap(struct io_event* out, unsigned max);
  // True when events are waiting (no side effects).
  bool pending() const {
    return __atomic_load_n(&ring_->tail, __ATOMIC_ACQUIRE) != __atomic_load_n(&ring_->head, __ATOMIC_RELAXED);
  }

 private:
  // The kernel's header, 32 bytes, followed by nr io_events.
  struct Header {
    unsigned id;
    unsigned nr;
    unsigned head;
    unsigned tail;
    unsigned magic;
    unsigned compat_features;
    unsigned incompat_features;
    unsigned header_length;
    struct io_event events[];
  };
  static constexpr unsigned kMagic = 0xa10a10a1;

  Header* ring_ = nullptr;
};

}  // namespace laio
