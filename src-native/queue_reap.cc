// Queue, part 3 of 4: completion. Events come from the kernel's ring (or
// io_getevents), RWF_NOWAIT refusals and short results are bounced to helpers,
// results from helpers come through posted_, and on_poll delivers one bounded
// batch per wake-up to JavaScript through cq.
#include "queue.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "file_id.h"
#include "kernel_abi.h"
#include "queue_internal.h"

namespace laio {
namespace {

// Is this short count from a request we made RWF_NOWAIT only where it would
// have blocked? A NOWAIT read stops at the first page that is not cached and
// returns what it copied (preadv2(2)); a NOWAIT write may stop likewise. Such a
// request must be re-issued blocking. A short read that ends at end of file is
// the true result (0 always is: "would block" with nothing done is EAGAIN).
// Only positional files qualify: a short read from a pipe or socket has
// consumed what it returned, and a short write to one has delivered it, so
// either would lose or duplicate data if issued again.
bool nowait_partial(const Slot& s, long long res) {
  if (res <= 0 || !is_data(s.op)) return false;
  if (static_cast<uint64_t>(res) >= s.named) return false;
  struct stat st;
  if (fstat(s.user_fd, &st) != 0) return false;
  if (S_ISBLK(st.st_mode)) return true;
  if (!S_ISREG(st.st_mode)) return false;
  if (is_write(s.op)) return true;
  return static_cast<long long>(s.cb.aio_offset) + res < static_cast<long long>(st.st_size);
}

}  // namespace

bool Queue::reap_kernel(unsigned limit, uint32_t inline_gen) {
  unsigned left = limit;
  while (left > 0) {
    const unsigned cap = std::min(left, static_cast<unsigned>(events_.size()));
    unsigned n = 0;
    if (ring_.usable()) {
      n = ring_.reap(events_.data(), cap);
      bump(counters_[kUserReaps], n);
    } else {
      struct timespec zero = {0, 0};
      long r;
      do {
        r = io_getevents(ctx_, 0, cap, events_.data(), &zero);
        bump(counters_[kGeteventsCalls]);
      } while (r == -EINTR);
      n = r > 0 ? static_cast<unsigned>(r) : 0;
    }
    for (unsigned i = 0; i < n; i++) {
      const struct io_event& ev = events_[i];
      if (ev.data >= depth_ || !slots_[ev.data].busy) continue;
      Slot& s = slots_[ev.data];
      if (s.auto_nowait && (ev.res == -EAGAIN || ev.res == -EOPNOTSUPP)) {
        if (ev.res == -EOPNOTSUPP) refusers_.remember(s.user_fd, is_write(s.op));
        else if (!is_write(s.op)) missed(s);
        bounce(s);
        continue;
      }
      if (s.auto_nowait && nowait_partial(s, ev.res)) {
        // Not the true result: re-issued blocking (whole) on a helper. Found
        // by the soak test: with pages evicted under it, a buffered read came
        // back short in the middle of a file and the caller saw zeros.
        if (!is_write(s.op)) missed(s);
        bounce(s, clamp_res(ev.res));
        continue;
      }
      if (s.auto_nowait && !is_write(s.op)) heat_.hit(s.user_fd, s.file_id);
      end_borrow(s);  // the kernel is done with the caller's memory
      bump(counters_[kCompleted]);
      Completion c = {static_cast<uint32_t>(ev.data), clamp_res(ev.res)};
      if (s.gen == inline_gen)
        push_ready(c);
      else
        later_push(c);
    }
    if (n < cap) return false;
    left -= n;
  }
  return true;  // stopped at the limit: there may be more
}

// An inline read missed the page cache. RWF_NOWAIT does not cover the
// readahead a miss starts, which waits for a free disk request tag when the
// disk's queue is full (while a file warms up, its readahead fills it): if
// that put the loop to sleep in this read's io_submit, the fd goes to the
// helpers until nearly all its reads hit (read_heat.h).
void Queue::missed(const Slot& s) {
  if (s.gen == slept_gen_) heat_.slept(s.user_fd, s.file_id);
  else heat_.miss(s.user_fd, s.file_id);
}

// RWF_NOWAIT said the request would block: re-issue it, blocking, on a helper.
void Queue::bounce(Slot& s, int32_t if_not_bounced) {
  bump(counters_[kFallbacks]);
  // A partial result re-issued whole: bytes reached the file already.
  if (if_not_bounced != kNoResult) s.no_cancel = true;
  s.cb.aio_rw_flags &= ~RWF_NOWAIT;
  s.auto_nowait = false;
  // The caller's memory is valid only during submit(): the re-issue uses
  // scratch. A partial read's bytes are in the caller's memory already.
  const bool was_borrowed = s.borrowed;
  int err = was_borrowed ? unborrow(s) : 0;
  // Reaped after io_submit returned, the fd may have been closed and its number
  // reused: the re-issue must reach the same file or fail.
  if (err == 0) err = to_helper(s, is_write(s.op) ? s.user_fd : -1, run_resubmit, s.file_id);
  if (err == 0 && was_borrowed) bump(counters_[kCopied]);
  if (err < 0) {
    if (was_borrowed) s.copy_out = false;
    if (!s.pending_accept) bump(counters_[kCompleted]);
    // A partial result we wanted to complete is still a true (short) result.
    push_ready({static_cast<uint32_t>(&s - slots_.data()), if_not_bounced != kNoResult ? if_not_bounced : err});
    // The kernel signalled the eventfd for the bounce, which on_poll may
    // already have drained: make sure this result has a wake-up coming.
    post_wakeup();
  }
}

void Queue::finish_borrowed() {
  bool drained = false;
  while (borrowed_ > 0) {
    struct pollfd p = {efd_, POLLIN, 0};
    if (poll(&p, 1, 10) > 0 && (p.revents & POLLIN) != 0) {
      drain_eventfd();
      drained = true;
    }
    reap_kernel(depth_, submit_gen_);
  }
  // What was drained may stand for completions on_poll has yet to deliver.
  if (drained) post_wakeup();
}

void Queue::later_push(const Completion& c) {
  later_[(later_head_ + later_count_) % later_.size()] = c;
  later_count_++;
}

// Moves up to limit completions that came asynchronously (from the ring, or
// reaped early by submit) into cq, and everything the helpers posted.
// True when more are waiting.
bool Queue::collect(unsigned limit) {
  if (backend_ == Backend::Kernel && later_count_ < limit) reap_kernel(limit - later_count_, 0);
  unsigned take = std::min(limit, later_count_);
  for (unsigned i = 0; i < take; i++) {
    push_ready(later_[later_head_]);
    later_head_ = (later_head_ + 1) % static_cast<unsigned>(later_.size());
  }
  later_count_ -= take;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    for (const Completion& c : posted_) push_ready(c);
    posted_.clear();
    for (const ReadHeat::Seen& h : heat_posted_) h.hit ? heat_.hit(h.fd, h.file) : heat_.miss(h.fd, h.file);
    heat_posted_.clear();
  }
  return later_count_ > 0 || (take == limit && backend_ == Backend::Kernel && ring_has_more());
}

bool Queue::ring_has_more() {
  // Without the ring we cannot peek; asking costs one io_getevents next turn.
  return !ring_.usable() || ring_.pending();
}

// Completions wait for delivery in cq itself: JavaScript reads a delivered
// batch out of cq before it can run anything that submits again, so cq is free
// from then until the next delivery. At most one completion per busy slot, so
// they always fit.
void Queue::push_ready(const Completion& c) {
  cq_[ready_count_ * kCqStride] = static_cast<int32_t>(c.slot);
  cq_[ready_count_ * kCqStride + 1] = c.res;
  ready_count_++;
}

unsigned Queue::move_ready_to_cq() {
  const unsigned n = ready_count_;
  const uint64_t now = n > 0 ? uv_hrtime() : 0;
  for (unsigned i = 0; i < n; i++) {
    Slot& s = slots_[static_cast<uint32_t>(cq_[i * kCqStride])];
    device_latency_.record(now - s.t_submit);
    s.busy = false;
    s.drop_pins();
    // Nothing to copy out: the scratch may go now, else copy_out lets it go.
    if (s.copy_out && cq_[i * kCqStride + 1] <= 0) s.copy_out = false;
    if (!s.copy_out) s.trim_scratch(&large_scratch_kept_);
  }
  inflight_ -= n;
  ready_count_ = 0;
  return n;
}

void Queue::post_wakeup() {
  uint64_t one = 1;
  while (write(efd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void Queue::update_busy() {
  bool want = inflight_ > 0;
  if (want == busy_) return;
  busy_ = want;
  if (want)
    uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  else
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  if (sink_ != nullptr) sink_->set_busy(want);
}

void Queue::drain_eventfd() {
  if (fault_hit(FaultPoint::EventfdRead) < 0) return;  // the counter stays: poll fires again
  uint64_t value;
  while (read(efd_, &value, sizeof value) < 0 && errno == EINTR) {
  }
}

void Queue::post(uint32_t slot, int32_t res) {
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    posted_.push_back({slot, res});
  }
  post_wakeup();
}

void Queue::on_poll(uv_poll_t* handle, int, int) {
  auto* q = static_cast<Queue*>(handle->data);
  if (q == nullptr) return;
  if (q->closed_) {
    // Only a background io_destroy is still to come (see shutdown()).
    if (q->background_ && q->efd_ >= 0) {
      q->drain_eventfd();
      if (q->destroyed_.load(std::memory_order_acquire)) q->finish();
    }
    return;
  }
  q->drain_eventfd();
  // One bounded pass per wake-up. Returning to the loop lets the requests these
  // completions free go in at once; reaping the whole ring first would let the
  // entire depth drain and resubmit in lockstep, which leaves a disk that
  // completes a submitted batch together idle between batches. Completions
  // that came inline from io_submit (the page cache) are delivered whole.
  bool more = q->collect(q->reap_batch_);
  q->flush_jobs();  // requests the ring sent back to be re-issued blocking
  if (more) q->post_wakeup();  // the rest of the ring: the next turn
  if (q->ready_count_ > 0) {
    unsigned n = q->move_ready_to_cq();
    if (q->sink_ != nullptr) q->sink_->deliver(n);
    if (q->closed_) return;  // closed from inside the callback
  }
  q->update_busy();
}

unsigned Queue::wait_sync() {
  for (;;) {
    collect(depth_);
    flush_jobs();
    if (ready_count_ > 0 || inflight_ == 0) {
      unsigned n = move_ready_to_cq();
      update_busy();
      return n;
    }
    struct pollfd p = {efd_, POLLIN, 0};
    poll(&p, 1, -1);
    drain_eventfd();
  }
}

void Queue::read_counters(double* out) const {
  for (int i = 0; i < kCounterCount; i++)
    out[i] = static_cast<double>(counters_[i].load(std::memory_order_relaxed));
}

}  // namespace laio
