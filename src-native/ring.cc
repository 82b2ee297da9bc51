#include "ring.h"

#include "faults.h"

namespace laio {

CompletionRing::CompletionRing(aio_context_t ctx) {
  if (fault_hit(FaultPoint::Ring) == kFaultOff) return;
  auto* r = reinterpret_cast<Header*>(static_cast<uintptr_t>(ctx));
  if (r == nullptr || r->magic != kMagic || r->incompat_features != 0 ||
      r->header_length != sizeof(Header) || r->nr == 0)
    return;
  ring_ = r;
}

unsigned CompletionRing::reap(struct io_event* out, unsigned max) {
  const unsigned nr = ring_->nr;
  unsigned head = __atomic_load_n(&ring_->head, __ATOMIC_RELAXED);
  // Pairs with the kernel's smp_wmb() before it publishes tail in aio_complete().
  const unsigned tail = __atomic_load_n(&ring_->tail, __ATOMIC_ACQUIRE);
  unsigned n = 0;
  while (head != tail && n < max) {
    out[n++] = ring_->events[head];
    head = head + 1 == nr ? 0 : head + 1;
  }
  // The event copies must be done before the kernel may reuse their slots.
  if (n > 0) __atomic_store_n(&ring_->head, head, __ATOMIC_RELEASE);
  return n;
}

}  // namespace laio
