#include "queue.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>

#include "file_id.h"
#include "kernel_abi.h"

namespace laio {
namespace {

void bump(std::atomic<uint64_t>& c, uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }

bool is_write(int32_t op) { return op == kWrite || op == kWritev; }
bool is_data(int32_t op) { return op <= kWritev; }

int32_t clamp_res(long long res) {
  if (res > INT32_MAX) return INT32_MAX;  // the kernel caps a transfer at MAX_RW_COUNT
  if (res < -4095) return -EIO;
  return static_cast<int32_t>(res);
}

uint16_t opcode(int32_t op) {
  switch (op) {
    case kRead: return IOCB_CMD_PREAD;
    case kWrite: return IOCB_CMD_PWRITE;
    case kReadv: return IOCB_CMD_PREADV;
    case kWritev: return IOCB_CMD_PWRITEV;
    case kFsync: return IOCB_CMD_FSYNC;
    default: return IOCB_CMD_FDSYNC;
  }
}

// Does io_submit take RWF_NOWAIT here? Asked once per process with an empty
// O_NONBLOCK pipe: a kernel that knows the flag completes the read with -EAGAIN
// at once, one that does not refuses the iocb (EOPNOTSUPP, or EINVAL before
// 4.13). Neither can block. Raw syscalls: fault injection must not see this.
bool probe_nowait(aio_context_t ctx) {
  static std::atomic<int> cached{-1};
  int known = cached.load();
  if (known >= 0) return known == 1;
  bool ok = false;
  int fds[2];
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0) {
    char byte;
    struct iocb cb;
    std::memset(&cb, 0, sizeof cb);
    cb.aio_lio_opcode = IOCB_CMD_PREAD;
    cb.aio_fildes = static_cast<uint32_t>(fds[0]);
    cb.aio_buf = reinterpret_cast<uintptr_t>(&byte);
    cb.aio_nbytes = 1;
    cb.aio_rw_flags = RWF_NOWAIT;
    struct iocb* p = &cb;
    if (syscall(SYS_io_submit, ctx, 1, &p) == 1) {
      struct io_event ev;
      struct timespec limit = {1, 0};
      ok = syscall(SYS_io_getevents, ctx, 1, 1, &ev, &limit) == 1;
    }
    close(fds[0]);
    close(fds[1]);
  }
  cached = ok ? 1 : 0;
  return ok;
}

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

// Lane keys: -1 parallel, an fd for O_APPEND writes, below -1 for streams
// (reads and writes apart: a read waiting for data must not hold up a write).
int stream_lane(int fd, bool write) { return -2 - ((fd << 1) | (write ? 1 : 0)); }

uint64_t join64(int32_t lo, int32_t hi) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(hi)) << 32) | static_cast<uint32_t>(lo);
}

// What submit() must know about an fd, asked once per fd per call: fds cannot
// change while JavaScript waits for the call, and a batch usually names one fd.
// O_APPEND writes must land in issue order (a serial lane); files known to
// refuse RWF_NOWAIT would only bounce. The last fd's answers are remembered.
struct FdFacts {
  int fd = -1;
  int append = -1;             // -1: not asked yet
  int refused[2] = {-1, -1};   // [read, write]
  uint64_t id = 0;             // 0: not asked yet
  mode_t mode = 0;

  void on(int user_fd) {
    if (user_fd == fd) return;
    fd = user_fd;
    append = refused[0] = refused[1] = -1;
    struct stat st;
    bool open = fstat(fd, &st) == 0;
    id = open ? stat_file_id(st) : kNoFile;
    mode = open ? st.st_mode : 0;
  }
  uint64_t file_id() const { return id; }
  bool stream() const { return is_stream(mode); }
  bool appends() {
    if (append < 0) {
      int fl = fcntl(fd, F_GETFL);
      append = fl >= 0 && (fl & O_APPEND) != 0;
    }
    return append == 1;
  }
  bool refuses_nowait(NowaitCache& cache, bool write) {
    int& r = refused[write ? 1 : 0];
    if (r < 0) r = cache.refused(fd, write);
    return r == 1;
  }
};

// How many completions one wake-up takes from the ring: an eighth of the
// depth, within 2..16. Measured on a virtio disk (4 KiB O_DIRECT random reads,
// depths 1 to 128) against fio's libaio engine: larger takes let the depth
// drain and refill in lockstep; smaller ones cost CPU for nothing.
// LINUX_AIO_REAP_BATCH overrides it, for measuring.
unsigned reap_batch(unsigned depth) {
  const char* env = std::getenv("LINUX_AIO_REAP_BATCH");
  long n = env != nullptr ? std::strtol(env, nullptr, 10) : std::min(std::max(depth / 8, 2u), 16u);
  if (n < 1) n = 1;
  return n > static_cast<long>(depth) ? depth : static_cast<unsigned>(n);
}

}  // namespace

Queue::Queue(unsigned depth, int32_t* cq, Sink* sink) : depth_(depth), cq_(cq), sink_(sink) {}

int Queue::create(napi_env env, unsigned depth, bool allow_threadpool, int32_t* cq, Sink* sink,
                  Queue** out) {
  Queue* q = new Queue(depth, cq, sink);
  int r = q->init(env, allow_threadpool);
  if (r < 0) {
    if (q->ctx_ != 0) io_destroy(q->ctx_);
    if (q->efd_ >= 0) close(q->efd_);
    if (q->wake_efd_ >= 0) close(q->wake_efd_);
    delete q;
    return r;
  }
  *out = q;
  return 0;
}

int Queue::init(napi_env env, bool allow_threadpool) {
  slots_.resize(depth_);
  for (Slot& s : slots_) std::memset(&s.cb, 0, sizeof s.cb);
  batch_.reserve(depth_);
  staged_jobs_.reserve(depth_);
  batch_entry_.reserve(depth_);
  events_.resize(depth_);
  ready_.reserve(depth_);
  later_.resize(depth_);
  posted_.reserve(depth_);

  reap_batch_ = reap_batch(depth_);
  efd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd_ < 0) return -errno;
  wake_efd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_efd_ < 0) return -errno;
  int r = io_setup(depth_, &ctx_);
  if (r < 0) {
    ctx_ = 0;
    if (!allow_threadpool || (r != -ENOSYS && r != -EPERM)) return r;
    backend_ = Backend::Threadpool;
  } else {
    ring_ = CompletionRing(ctx_);
    nowait_ = probe_nowait(ctx_);
  }

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return -EINVAL;
  poll_ = new uv_poll_t;
  r = uv_poll_init(loop, poll_, efd_);
  if (r == 0) r = uv_poll_start(poll_, UV_READABLE, on_poll);
  if (r != 0) {
    // An initialised handle must be closed, never just freed.
    poll_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) {
      delete reinterpret_cast<uv_poll_t*>(h);
    });
    poll_ = nullptr;
    return r;
  }
  poll_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(poll_));  // idle until requests are in flight
  napi_add_async_cleanup_hook(env, on_env_cleanup, this, &cleanup_);
  return 0;
}

// ---- submission ----

bool Queue::submit(int32_t* sq, unsigned n, const EntryViews& views) {
  for (unsigned i = 0; i < n; i++) {
    uint32_t slot = static_cast<uint32_t>(sq[i * kSqStride + kSqSlot]);
    if (slot >= depth_ || slots_[slot].busy) return false;
  }
  batch_.clear();
  batch_entry_.clear();
  if (++submit_gen_ == 0) submit_gen_ = 1;  // 0 never matches (see on_poll)
  FdFacts facts;
  for (unsigned i = 0; i < n; i++) {
    int32_t* e = sq + i * kSqStride;
    Slot& s = slots_[static_cast<uint32_t>(e[kSqSlot])];
    std::memset(&s.cb, 0, sizeof s.cb);
    s.op = e[kSqOp];
    s.user_fd = e[kSqFd];
    s.auto_nowait = false;
    s.pending_accept = false;
    s.copy_out = false;
    s.gen = submit_gen_;
    s.named = join64(e[kSqLenLo], e[kSqLenHi]);
    s.file_id = join64(e[kSqFileLo], e[kSqFileHi]);
    facts.on(s.user_fd);
    // A request that waited in user space must still reach the file its fd
    // named then: a number closed and reused meanwhile fails here instead.
    // One that did not is bound now, for a late re-issue (bounce).
    int r = views.error[i];
    if (s.file_id == 0) s.file_id = facts.file_id();
    else if (r == 0 && facts.file_id() != s.file_id) r = -EBADF;
    if (r == 0 && is_data(s.op)) r = plan_memory(s, &views.parts[views.first[i]], views.first[i + 1] - views.first[i]);
    if (r < 0) {
      s.drop_pins();
      e[kSqStatus] = r;
      continue;
    }
    s.cb.aio_data = static_cast<uint32_t>(e[kSqSlot]);
    s.cb.aio_lio_opcode = opcode(s.op);
    s.cb.aio_fildes = static_cast<uint32_t>(s.user_fd);
    if (is_data(s.op)) {
      s.cb.aio_offset = static_cast<int64_t>(join64(e[kSqPosLo], e[kSqPosHi]));
      s.cb.aio_rw_flags = e[kSqRwFlags];
    }
    s.cb.aio_flags = IOCB_FLAG_RESFD;
    s.cb.aio_resfd = static_cast<uint32_t>(efd_);
    s.busy = true;
    inflight_++;
    e[kSqStatus] = s.copy_out ? kStatusCopyOut : kStatusInFlight;
    if (is_data(s.op) && facts.stream() &&
        (backend_ == Backend::Threadpool || !(e[kSqFlags] & kFlagUserNowait))) {
      // A pipe, socket or character device may wait for good: its requests go
      // to a thread of their own per fd and direction, in order (helper_pool.h).
      int err = to_helper(s, stream_lane(s.user_fd, is_write(s.op)), run_stream, 0, true);
      if (err < 0) release(e, s, err);
      continue;
    }
    if (backend_ == Backend::Threadpool) {
      // Refused now (e.g. EBADF: the fd cannot be dup'ed), as io_submit would
      // refuse it. It used to go to ready_, where nothing woke the loop to
      // deliver it: the request never settled.
      int err = stage_threadpool(s);
      if (err < 0) release(e, s, err);
      continue;
    }
    const bool write = is_write(s.op);
    const bool may_wait = is_data(s.op) && nowait_ && !(e[kSqFlags] & kFlagUserNowait);
    if ((write && ((e[kSqRwFlags] & RWF_APPEND) || facts.appends())) ||
        (may_wait && facts.refuses_nowait(refusers_, write))) {
      // Straight to a helper: appends keep their order in the fd's lane, and
      // files known to refuse RWF_NOWAIT would only bounce.
      s.pending_accept = true;
      int err = to_helper(s, write ? s.user_fd : -1, run_resubmit);
      if (err < 0) release(e, s, err);
      continue;
    }
    if (may_wait && !write && heat_.cold(s.user_fd)) {
      // This fd's reads mostly miss the page cache: a miss would start its
      // readahead here, on the loop. A helper tries the cache, then blocks.
      s.pending_accept = true;
      int err = to_helper(s, -1, run_cold_read);
      if (err < 0) release(e, s, err);
      continue;
    }
    if (may_wait) {
      s.cb.aio_rw_flags |= RWF_NOWAIT;
      s.auto_nowait = true;
    }
    batch_.push_back(&s.cb);
    batch_entry_.push_back(i);
  }
  if (!batch_.empty()) {
    submit_batch(sq);
    // Buffered I/O completes inside io_submit: pick up what is already there,
    // and above all the RWF_NOWAIT refusals, while the fds are surely open.
    reap_kernel(depth_, submit_gen_);
  }
  flush_jobs();
  update_busy();
  return true;
}

void Queue::release(int32_t* e, Slot& s, int32_t status) {
  e[kSqStatus] = status;
  s.drop_pins();
  s.busy = false;
  inflight_--;
}

void Queue::submit_batch(int32_t* sq) {
  const size_t m = batch_.size();
  size_t off = 0;
  while (off < m) {
    long r = io_submit(ctx_, static_cast<long>(m - off), batch_.data() + off);
    bump(counters_[kSubmitCalls]);
    if (r > 0) {
      bump(counters_[kSubmitted], static_cast<uint64_t>(r));
      off += static_cast<size_t>(r);
      continue;
    }
    if (r == -EINTR) continue;
    if (r == -EAGAIN || r == 0) {
      // The ring is full: the rest goes back to the user-space queue, in order.
      for (size_t k = off; k < m; k++) {
        uint32_t slot = static_cast<uint32_t>(batch_[k]->aio_data);
        release(sq + batch_entry_[k] * kSqStride, slots_[slot], kStatusRequeue);
      }
      bump(counters_[kRequeued], m - off);
      return;
    }
    // io_submit reports only the first bad iocb: it alone fails, the rest go on.
    uint32_t slot = static_cast<uint32_t>(batch_[off]->aio_data);
    Slot& s = slots_[slot];
    if (r == -EOPNOTSUPP && s.auto_nowait) {
      // This file takes no RWF_NOWAIT at all (no FMODE_NOWAIT, e.g. tmpfs).
      refusers_.remember(s.user_fd, is_write(s.op));
      s.pending_accept = true;
      bounce(s);
    } else {
      release(sq + batch_entry_[off] * kSqStride, s, static_cast<int32_t>(r));
    }
    off++;
  }
}

int Queue::stage_threadpool(Slot& s) {
  // Writes to one fd stay in issue order (O_APPEND); reads run in parallel.
  return to_helper(s, is_write(s.op) ? s.user_fd : -1, run_execute);
}

int Queue::to_helper(Slot& s, int lane, void (*run)(HelperJob&), uint64_t expect_file, bool stream) {
  // The job owns a dup: the caller may close its fd before a helper gets to it.
  int fd = fcntl(s.user_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (expect_file != 0 && fd_file_id(fd) != expect_file) {
    close(fd);
    return -EBADF;
  }
  auto batch = run == run_resubmit ? run_resubmit_batch : nullptr;
  staged_jobs_.push_back({run, batch, this, static_cast<uint32_t>(&s - slots_.data()), fd, lane, stream});
  return 0;
}

// Hands the jobs staged this turn to the helpers under one lock.
void Queue::flush_jobs() {
  if (staged_jobs_.empty()) return;
  HelperPool::get().enqueue(staged_jobs_.data(), staged_jobs_.size());
  staged_jobs_.clear();
}

// ---- completion ----

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
        else if (!is_write(s.op)) heat_.miss(s.user_fd);
        bounce(s);
        continue;
      }
      if (s.auto_nowait && nowait_partial(s, ev.res)) {
        // Not the true result: re-issued blocking (whole) on a helper. Found
        // by the soak test: with pages evicted under it, a buffered read came
        // back short in the middle of a file and the caller saw zeros.
        if (!is_write(s.op)) heat_.miss(s.user_fd);
        bounce(s, clamp_res(ev.res));
        continue;
      }
      if (s.auto_nowait && !is_write(s.op)) heat_.hit(s.user_fd);
      bump(counters_[kCompleted]);
      Completion c = {static_cast<uint32_t>(ev.data), clamp_res(ev.res)};
      if (s.gen == inline_gen)
        ready_.push_back(c);
      else
        later_push(c);
    }
    if (n < cap) return false;
    left -= n;
  }
  return true;  // stopped at the limit: there may be more
}

// RWF_NOWAIT said the request would block: re-issue it, blocking, on a helper.
void Queue::bounce(Slot& s, int32_t if_not_bounced) {
  bump(counters_[kFallbacks]);
  s.cb.aio_rw_flags &= ~RWF_NOWAIT;
  s.auto_nowait = false;
  // Reaped after io_submit returned, the fd may have been closed and its number
  // reused: the re-issue must reach the same file or fail.
  int err = to_helper(s, is_write(s.op) ? s.user_fd : -1, run_resubmit, s.file_id);
  if (err < 0) {
    if (!s.pending_accept) bump(counters_[kCompleted]);
    // A partial result we wanted to complete is still a true (short) result.
    ready_.push_back({static_cast<uint32_t>(&s - slots_.data()), if_not_bounced != kNoResult ? if_not_bounced : err});
    // The kernel signalled the eventfd for the bounce, which on_poll may
    // already have drained: make sure this result has a wake-up coming.
    post_wakeup();
  }
}

void Queue::later_push(const Completion& c) {
  later_[(later_head_ + later_count_) % later_.size()] = c;
  later_count_++;
}

// Moves up to limit completions that came asynchronously (from the ring, or
// reaped early by submit) into ready_, and everything the helpers posted.
// True when more are waiting.
bool Queue::collect(unsigned limit) {
  if (backend_ == Backend::Kernel && later_count_ < limit) reap_kernel(limit - later_count_, 0);
  unsigned take = std::min(limit, later_count_);
  for (unsigned i = 0; i < take; i++) {
    ready_.push_back(later_[later_head_]);
    later_head_ = (later_head_ + 1) % static_cast<unsigned>(later_.size());
  }
  later_count_ -= take;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    if (!posted_.empty()) {
      ready_.insert(ready_.end(), posted_.begin(), posted_.end());
      posted_.clear();
    }
    for (const auto& h : heat_posted_) h.second ? heat_.hit(h.first) : heat_.miss(h.first);
    heat_posted_.clear();
  }
  return later_count_ > 0 || (take == limit && backend_ == Backend::Kernel && ring_has_more());
}

bool Queue::ring_has_more() {
  // Without the ring we cannot peek; asking costs one io_getevents next turn.
  return !ring_.usable() || ring_.pending();
}

unsigned Queue::move_ready_to_cq() {
  // At most one completion per busy slot, so this always fits in cq.
  unsigned n = static_cast<unsigned>(ready_.size());
  for (unsigned i = 0; i < n; i++) {
    cq_[i * kCqStride] = static_cast<int32_t>(ready_[i].slot);
    cq_[i * kCqStride + 1] = ready_[i].res;
    Slot& s = slots_[ready_[i].slot];
    s.busy = false;
    s.drop_pins();
    // Nothing to copy out: the scratch may go now, else copy_out lets it go.
    if (s.copy_out && ready_[i].res <= 0) s.copy_out = false;
    if (!s.copy_out) s.trim_scratch();
  }
  inflight_ -= n;
  ready_.clear();
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
  if (!q->ready_.empty()) {
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
    if (!ready_.empty() || inflight_ == 0) {
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

// ---- helper threads ----

// Submits one iocb from a helper thread without RWF_NOWAIT, blocking as long
// as the kernel needs; the completion comes through the ring as usual.
long Queue::submit_blocking(struct iocb cb, int fd) {
  // RWF_NOWAIT here is the caller's own (flags.nowait): kept, so that an
  // append refuses to block as any other request does.
  cb.aio_fildes = static_cast<uint32_t>(fd);
  struct iocb* p = &cb;
  long r;
  for (int tries = 0;; tries++) {
    r = io_submit(ctx_, 1, &p);
    bump(counters_[kSubmitCalls]);
    if (r == -EINTR) continue;
    if (r == -EAGAIN && tries < 10000) {  // ring momentarily full; never on the loop
      usleep(100);
      continue;
    }
    return r;
  }
}

// After a helper's io_submit: the fd's dup is no longer needed (the kernel
// holds the file); a refusal is the request's result.
void Queue::after_blocking(HelperJob& job, long r, bool counted_here) {
  close(job.fd);
  if (r == 1) return;
  if (counted_here)
    counters_[kSubmitted].fetch_sub(1, std::memory_order_relaxed);
  else
    bump(counters_[kCompleted]);
  post(job.slot, r < 0 ? static_cast<int32_t>(r) : -EIO);
}

void Queue::run_resubmit(HelperJob& job) {
  auto* q = static_cast<Queue*>(job.owner);
  Slot& s = q->slots_[job.slot];
  // Copied before io_submit: once the kernel has it, the completion may be
  // delivered and the slot reused at any moment.
  const struct iocb cb = s.cb;
  const bool first_accept = s.pending_accept;
  // Counted before the kernel can complete it, so that stats() never shows
  // more completions than submissions.
  if (first_accept) bump(q->counters_[kSubmitted]);
  q->after_blocking(job, q->submit_blocking(cb, job.fd), first_accept);
}

// A lane's queued resubmissions in one io_submit: for buffered writes the
// kernel runs them inside the call, in array order, so the lane's order holds.
void Queue::run_resubmit_batch(HelperJob* jobs, unsigned n) {
  auto* q = static_cast<Queue*>(jobs[0].owner);
  thread_local std::vector<struct iocb> cbs;
  thread_local std::vector<struct iocb*> ptrs;
  thread_local std::vector<char> counted;
  cbs.resize(n);
  ptrs.resize(n);
  counted.resize(n);
  for (unsigned i = 0; i < n; i++) {
    const Slot& s = q->slots_[jobs[i].slot];
    cbs[i] = s.cb;  // copied before io_submit, as in run_resubmit
    cbs[i].aio_fildes = static_cast<uint32_t>(jobs[i].fd);  // RWF_NOWAIT: as in submit_blocking
    counted[i] = s.pending_accept;
    if (counted[i]) bump(q->counters_[kSubmitted]);
    ptrs[i] = &cbs[i];
  }
  unsigned off = 0;
  for (int tries = 0; off < n;) {
    long r = io_submit(q->ctx_, n - off, ptrs.data() + off);
    bump(q->counters_[kSubmitCalls]);
    if (r > 0) {
      for (unsigned k = off; k < off + static_cast<unsigned>(r); k++) close(jobs[k].fd);
      off += static_cast<unsigned>(r);
      continue;
    }
    if (r == -EINTR) continue;
    if ((r == -EAGAIN || r == 0) && ++tries < 10000) {
      usleep(100);
      continue;
    }
    // io_submit names only the first iocb it refused: that one fails, the rest go on.
    q->after_blocking(jobs[off], r < 0 ? r : -EIO, counted[off]);
    off++;
  }
}

void Queue::run_cold_read(HelperJob& job) {
  auto* q = static_cast<Queue*>(job.owner);
  Slot& s = q->slots_[job.slot];
  const struct iocb cb = s.cb;
  const int user_fd = s.user_fd;
  bump(q->counters_[kSubmitted]);
  // The page cache first: a hit is served here and tells the loop the file warmed up.
  const struct iovec* iov = s.iov.data();
  const int cnt = static_cast<int>(s.iov.size());
  const size_t want = s.named;
  const int flags = static_cast<int>(cb.aio_rw_flags) | RWF_NOWAIT;
  ssize_t r;
  do {
    r = preadv2(job.fd, iov, cnt, static_cast<off_t>(cb.aio_offset), flags);
  } while (r < 0 && errno == EINTR);
  q->post_heat(user_fd, r >= 0 && static_cast<size_t>(r) == want);
  if (r >= 0 && static_cast<size_t>(r) == want) {
    close(job.fd);
    bump(q->counters_[kCompleted]);
    q->post(job.slot, clamp_res(r));
    return;
  }
  q->after_blocking(job, q->submit_blocking(cb, job.fd), true);
}

void Queue::post_heat(int fd, bool hit) {
  std::lock_guard<std::mutex> lock(posted_mu_);
  heat_posted_.emplace_back(fd, hit);
}

void Queue::run_execute(HelperJob& job) {
  auto* q = static_cast<Queue*>(job.owner);
  Slot& s = q->slots_[job.slot];
  bump(q->counters_[kSubmitted]);
  const struct iovec* iov = s.iov.data();
  const int cnt = static_cast<int>(s.iov.size());
  off_t pos = static_cast<off_t>(s.cb.aio_offset);
  const int flags = static_cast<int>(s.cb.aio_rw_flags);
  ssize_t r = 0;
  do {
    // A pipe or socket has no position: -1 reads or writes it as a stream,
    // as kernel AIO does (it ignores aio_offset there).
    if (r < 0 && errno == ESPIPE && is_data(s.op) && pos != -1) pos = -1;
    switch (s.op) {
      case kRead:
      case kReadv: r = preadv2(job.fd, iov, cnt, pos, flags); break;
      case kWrite:
      case kWritev: r = pwritev2(job.fd, iov, cnt, pos, flags); break;
      case kFsync: r = fsync(job.fd); break;
      default: r = fdatasync(job.fd); break;
    }
  } while (r < 0 && (errno == EINTR || (errno == ESPIPE && is_data(s.op) && pos != -1)));
  int32_t res = r < 0 ? -errno : clamp_res(r);
  close(job.fd);
  bump(q->counters_[kCompleted]);
  q->post(job.slot, res);
}

// Waits until fd is ready for the request's direction, or the queue shuts down.
bool Queue::wait_ready(int fd, bool write) {
  struct pollfd p[2] = {{fd, static_cast<short>(write ? POLLOUT : POLLIN), 0}, {wake_efd_, POLLIN, 0}};
  for (;;) {
    int r = poll(p, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    return (p[1].revents & POLLIN) == 0;
  }
}

// A request on a pipe, socket or character device, on its lane's own thread:
// waits for readiness in poll(2), where shutdown can wake it, then transfers
// without blocking. A read returns what is there, as read(2) does; a write
// goes on until every byte is written, as a blocking write(2) does.
void Queue::run_stream(HelperJob& job) {
  auto* q = static_cast<Queue*>(job.owner);
  Slot& s = q->slots_[job.slot];
  bump(q->counters_[kSubmitted]);
  const bool write = is_write(s.op);
  const bool once = (s.cb.aio_rw_flags & RWF_NOWAIT) != 0;  // the caller's flags.nowait
  const int flags = static_cast<int>(s.cb.aio_rw_flags) & ~RWF_NOWAIT;
  thread_local std::vector<struct iovec> iov;
  iov.assign(s.iov.begin(), s.iov.end());
  size_t first = 0;
  uint64_t done = 0;
  bool nowait = true;  // until the fd says it has no RWF_NOWAIT
  int32_t res;
  for (;;) {
    const int cnt = static_cast<int>(iov.size() - first);
    ssize_t r = write ? pwritev2(job.fd, iov.data() + first, cnt, -1, flags | (nowait ? RWF_NOWAIT : 0))
                      : preadv2(job.fd, iov.data() + first, cnt, -1, flags | (nowait ? RWF_NOWAIT : 0));
    if (r >= 0) {
      done += static_cast<uint64_t>(r);
      if (!write || done >= s.named || once) {
        res = clamp_res(static_cast<long long>(done));
        break;
      }
      // Short write: the rest, from where it stopped.
      size_t left = static_cast<size_t>(r);
      while (left > 0 && left >= iov[first].iov_len) left -= iov[first++].iov_len;
      if (left > 0) {
        iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
        iov[first].iov_len -= left;
      }
      continue;
    }
    const int err = errno;
    if (err == EINTR) continue;
    if (err == EOPNOTSUPP && nowait && !once) {
      nowait = false;  // wait for readiness, then a plain (blocking) call
    } else if (err != EAGAIN || once) {
      res = done > 0 ? clamp_res(static_cast<long long>(done)) : -err;
      break;
    }
    if (!q->wait_ready(job.fd, write)) {
      res = done > 0 ? clamp_res(static_cast<long long>(done)) : -ECANCELED;
      break;
    }
  }
  close(job.fd);
  bump(q->counters_[kCompleted]);
  q->post(job.slot, res);
}

bool Queue::cancel(uint32_t slot) {
  if (closed_ || slot >= depth_ || !slots_[slot].busy) return false;
  int fd = HelperPool::get().cancel(this, slot);
  if (fd < 0) return false;
  close(fd);
  Slot& s = slots_[slot];
  if (!s.pending_accept) bump(counters_[kCompleted]);  // the kernel had counted it
  s.busy = false;
  s.drop_pins();
  s.copy_out = false;
  s.trim_scratch();
  inflight_--;
  update_busy();
  return true;
}

// ---- shutdown ----

void Queue::shutdown(bool background, bool keep_alive) {
  if (closed_) return;
  closed_ = true;
  uint64_t one = 1;
  while (write(wake_efd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
  for (const HelperJob& job : staged_jobs_) close(job.fd);
  staged_jobs_.clear();
  for (const HelperJob& job : HelperPool::get().quiesce(this)) close(job.fd);
  if (backend_ == Backend::Kernel && background) {
    // io_destroy waits for an RCU grace period (about 30 ms here) even when
    // idle, and for every request still in flight: not on the event loop, and
    // at exit not one context after another. Requests in flight touch only
    // package memory (owned_memory.h), freed by finish() once io_destroy has
    // returned. The thread touches nothing of ours after setting destroyed_,
    // and signals through its own dup of the eventfd.
    int efd = fcntl(efd_, F_DUPFD_CLOEXEC, 0);
    std::atomic<bool>* destroyed = &destroyed_;
    if (efd >= 0 && spawn_quiet_thread([ctx = ctx_, efd, destroyed] {
          io_destroy(ctx);
          destroyed->store(true, std::memory_order_release);
          uint64_t one = 1;
          while (write(efd, &one, sizeof one) < 0 && errno == EINTR) {
          }
          close(efd);
        })) {
      background_ = true;
      if (keep_alive) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
      return;
    }
    if (efd >= 0) close(efd);
  }
  // io_destroy returns only when the kernel has finished every request, so
  // no buffer is written after this point.
  if (backend_ == Backend::Kernel) io_destroy(ctx_);
  finish();
}

void Queue::finish() {
  // The kernel and the helpers are done with every request: their memory goes.
  for (Slot& s : slots_) s.free_memory();
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), on_closed);  // stops polling now
  close(efd_);
  efd_ = -1;
  close(wake_efd_);
  wake_efd_ = -1;
  if (sink_ != nullptr) {
    Sink* sink = sink_;
    sink_ = nullptr;
    sink->queue_gone();
  }
}

void Queue::on_closed(uv_handle_t* handle) {
  auto* q = static_cast<Queue*>(handle->data);
  delete reinterpret_cast<uv_poll_t*>(handle);
  if (q->cleanup_ != nullptr) napi_remove_async_cleanup_hook(q->cleanup_);
  delete q;
}

void Queue::on_env_cleanup(napi_async_cleanup_hook_handle, void* arg) {
  // The environment is going away (a worker exits, or the process): finish as
  // close() would, but without waiting for requests in flight: io_destroy runs
  // on its own thread, for every context at once, and the environment waits
  // until on_closed removes this hook.
  auto* q = static_cast<Queue*>(arg);
  if (q->background_) {
    uv_ref(reinterpret_cast<uv_handle_t*>(q->poll_));  // a destroy already under way
    return;
  }
  q->shutdown(true, true);
}

}  // namespace laio
