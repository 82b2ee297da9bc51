// Queue, part 2 of 4: submission. submit() stages each entry in its slot,
// routes it (inline io_submit with RWF_NOWAIT, a helper lane, a stream thread,
// or the threadpool backend), makes one io_submit for the inline batch, and
// reaps what came back inside it. cancel() takes back a job not yet started.
#include "queue.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
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

// This thread's voluntary context switches so far: one more after a system
// call means the call slept. -1 if unknown.
long voluntary_switches() {
  struct rusage ru;
  return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nvcsw : -1;
}

// An io_submit of inline reads shorter than this is not checked for sleeping.
constexpr uint64_t kLongSubmitNs = 50000;

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

// Lane keys: -1 parallel, an fd for O_APPEND writes, below -1 for streams
// (reads and writes apart: a read waiting for data must not hold up a write).
// A stream lane is keyed by the file, not the fd number: a number closed and
// reused for another pipe must not queue behind the old one's requests.
int stream_lane(uint64_t file_id, bool write) {
  return -2 - static_cast<int>((((file_id ^ (file_id >> 31)) & 0x3fffffff) << 1) | (write ? 1 : 0));
}

uint64_t join64(int32_t lo, int32_t hi) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(hi)) << 32) | static_cast<uint32_t>(lo);
}

}  // namespace

// What submit() must know about an fd, asked once per fd per call: fds cannot
// change while JavaScript waits for the call, and a batch usually names one fd.
// O_APPEND writes must land in issue order (a serial lane); files known to
// refuse RWF_NOWAIT would only bounce; O_DIRECT requests run asynchronously in
// the kernel. The last fd's answers are remembered.
struct FdFacts {
  int fd = -1;
  int status = kNotAsked;      // F_GETFL
  int refused[2] = {-1, -1};   // [read, write]
  FileFacts file;
  int stream_ = -1;            // -1: not asked yet
  static constexpr int kNotAsked = -2;

  void on(int user_fd) {
    if (user_fd == fd) return;
    fd = user_fd;
    status = kNotAsked;
    refused[0] = refused[1] = stream_ = -1;
    file = fd_facts(fd);
  }
  int status_flags() {
    if (status == kNotAsked) status = fcntl(fd, F_GETFL);
    return status;
  }
  uint64_t file_id() const { return file.id; }
  bool stream() {
    if (stream_ < 0) stream_ = file.id != kNoFile && is_stream(fd, file.mode);
    return stream_ == 1;
  }
  bool appends() { return status_flags() >= 0 && (status & O_APPEND) != 0; }
  // Unknown counts as direct: such a request may outlive io_submit.
  bool direct() { return status_flags() < 0 || (status & O_DIRECT) != 0; }
  bool refuses_nowait(NowaitCache& cache, bool write) {
    int& r = refused[write ? 1 : 0];
    if (r < 0) r = cache.refused(fd, write);
    return r == 1;
  }
};

bool Queue::submit(int32_t* sq, unsigned n, const EntryViews& views) {
  for (unsigned i = 0; i < n; i++) {
    uint32_t slot = static_cast<uint32_t>(sq[i * kSqStride + kSqSlot]);
    if (slot >= depth_ || slots_[slot].busy) return false;
  }
  batch_.clear();
  batch_entry_.clear();
  watch_sleep_ = false;
  if (++submit_gen_ == 0) submit_gen_ = 1;  // 0 never matches (see on_poll)
  const uint64_t now = uv_hrtime();
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
    s.borrowed = false;
    s.stream_job = false;
    s.no_cancel = false;
    s.gen = submit_gen_;
    s.t_submit = now;
    s.named = join64(e[kSqLenLo], e[kSqLenHi]);
    s.file_id = join64(e[kSqFileLo], e[kSqFileHi]);
    facts.on(s.user_fd);
    // A request that waited in user space must still reach the file its fd
    // named then: a number closed and reused meanwhile fails here instead.
    // One that did not is bound now, for a late re-issue (bounce).
    int r = views.error[i];
    if (s.file_id == 0) s.file_id = facts.file_id();
    else if (r == 0 && facts.file_id() != s.file_id) r = -EBADF;
    if (r < 0) {
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
    const Route how = route(s, e[kSqRwFlags], e[kSqFlags], facts);
    if (is_data(s.op)) {
      // Buffered requests io_submit runs inside the call may use the caller's
      // memory as it is: no copy through scratch. RWF_NOWAIT too: a file that
      // cannot honour it (FUSE, network filesystems) refuses it at once, so
      // none that could wait on a server keeps the caller's memory.
      BorrowQuery borrow = {nullptr, &facts};
      if (how == Route::Inline && (s.cb.aio_rw_flags & RWF_NOWAIT) != 0)
        borrow.ask = [](void* f) { return !static_cast<FdFacts*>(f)->direct(); };
      r = plan_memory(s, views.parts.data() + views.first[i], views.first[i + 1] - views.first[i], borrow, &large_scratch_kept_);
      if (r < 0) {
        s.drop_pins();
        e[kSqStatus] = r;
        continue;
      }
      if (r > 0) bump(counters_[kCopied]);
      if (s.borrowed) borrowed_++;
    }
    s.busy = true;
    inflight_++;
    e[kSqStatus] = s.copy_out ? kStatusCopyOut : kStatusInFlight;
    if (how != Route::Inline) {
      int err = dispatch(s, how, facts);
      if (err < 0) release(e, s, err);
      continue;
    }
    batch_.push_back(&s.cb);
    batch_entry_.push_back(i);
  }
  if (!batch_.empty()) {
    const bool borrowing = borrowed_ > 0;
    const long switches = watch_sleep_ ? voluntary_switches() : -1;
    const uint64_t t_call = switches >= 0 ? uv_hrtime() : 0;
    submit_batch(sq);
    // Only a long call can have slept long; the second look is a system call.
    if (switches >= 0 && uv_hrtime() - t_call > kLongSubmitNs && voluntary_switches() > switches)
      slept_gen_ = submit_gen_;  // its reads that missed turn cold (missed())
    // Buffered I/O completes inside io_submit: pick up what is already there,
    // and above all the RWF_NOWAIT refusals, while the fds are surely open
    // and borrowed memory is still the caller's.
    reap_kernel(depth_, submit_gen_);
    if (borrowed_ > 0) finish_borrowed();
    if (borrowing) {
      // Borrowed reads re-issued on a helper now read into scratch.
      for (size_t k = 0; k < batch_.size(); k++) {
        int32_t* e = sq + batch_entry_[k] * kSqStride;
        if (e[kSqStatus] == kStatusInFlight && slots_[batch_[k]->aio_data].copy_out) e[kSqStatus] = kStatusCopyOut;
      }
    }
  }
  flush_jobs();
  update_busy();
  return true;
}

// Where a staged request goes (see Route in queue.h).
Queue::Route Queue::route(Slot& s, int32_t rw_flags, int32_t flags, FdFacts& facts) {
  const bool data = is_data(s.op);
  const bool write = is_write(s.op);
  const bool user_nowait = (flags & kFlagUserNowait) != 0;
  // A pipe, socket or tty may wait for good: a thread of its own per file and
  // direction, in order (helper_pool.h). With flags.nowait the kernel answers
  // at once, so such a request may go inline.
  if (data && facts.stream() && (backend_ == Backend::Threadpool || !user_nowait)) return Route::Stream;
  if (backend_ == Backend::Threadpool) return Route::Threadpool;
  const bool may_wait = data && nowait_ && !user_nowait;
  // Appends keep their order in the fd's lane; files known to refuse
  // RWF_NOWAIT would only bounce.
  if (write && ((rw_flags & RWF_APPEND) || facts.appends())) return Route::Lane;
  if (may_wait && facts.refuses_nowait(refusers_, write)) return Route::Lane;
  // This fd's reads mostly miss the page cache: a miss would start its
  // readahead inside io_submit, on the loop. A helper tries the cache first.
  const ReadHeat::Temp temp = may_wait && !write ? heat_.temp(s.user_fd, s.file_id) : ReadHeat::Temp::Warm;
  if (temp == ReadHeat::Temp::Cold) return Route::ColdRead;
  if (may_wait) {
    s.cb.aio_rw_flags |= RWF_NOWAIT;
    s.auto_nowait = true;  // EAGAIN/EOPNOTSUPP will mean "re-issue blocking"
    if (temp == ReadHeat::Temp::Missing) watch_sleep_ = true;
  }
  return Route::Inline;
}

// Hands a request routed elsewhere than inline to the helpers. 0, or the
// negative errno it fails with at once (as io_submit would refuse it, e.g.
// EBADF: the fd cannot be dup'ed).
int Queue::dispatch(Slot& s, Route how, FdFacts& facts) {
  s.pending_accept = true;  // counted as submitted when a helper submits or runs it
  switch (how) {
    case Route::Stream:
      s.stream_job = true;
      if (s.cancel_efd < 0) s.cancel_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (s.cancel_efd < 0) return -errno;
      return to_helper(s, stream_lane(facts.file_id(), is_write(s.op)), run_stream, 0, true);
    case Route::Threadpool:
      // Writes to one fd stay in issue order (O_APPEND); reads run in parallel.
      return to_helper(s, is_write(s.op) ? s.user_fd : -1, run_execute);
    case Route::Lane:
      return to_helper(s, is_write(s.op) ? s.user_fd : -1, run_resubmit);
    case Route::ColdRead:
      return to_helper(s, -1, run_cold_read);
    case Route::Inline:
      break;
  }
  return -EINVAL;
}

void Queue::release(int32_t* e, Slot& s, int32_t status) {
  e[kSqStatus] = status;
  end_borrow(s);
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

int Queue::to_helper(Slot& s, int lane, void (*run)(HelperJob&), uint64_t expect_file, bool stream) {
  // The job owns a dup: the caller may close its fd before a helper gets to it.
  int fd = fcntl(s.user_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (expect_file != 0 && fd_file_id(fd) != expect_file) {
    close(fd);
    return -EBADF;
  }
  // Resubmissions are taken together only in a serial lane (a fd's writes):
  // parallel ones may be reads of a file that refuses RWF_NOWAIT, whose disk
  // reads nothing has started, and one io_submit would run them one by one.
  auto batch = run == run_resubmit && lane != -1 ? run_resubmit_batch : run == run_cold_read ? run_cold_read_batch : nullptr;
  staged_jobs_.push_back({run, batch, this, static_cast<uint32_t>(&s - slots_.data()), fd, lane, stream});
  return 0;
}

// Hands the jobs staged this turn to the helpers in one parcel (helper_pool.h).
void Queue::flush_jobs() {
  if (staged_jobs_.empty()) return;
  std::vector<HelperJob> refused = HelperPool::get().enqueue(staged_jobs_.data(), staged_jobs_.size());
  staged_jobs_.clear();
  // No thread for these stream requests: they fail rather than wait for one.
  for (const HelperJob& job : refused) {
    close(job.fd);
    bump(counters_[kSubmitted]);
    bump(counters_[kCompleted]);
    post(job.slot, -EAGAIN);
  }
}

bool Queue::cancel(uint32_t slot) {
  if (closed_ || slot >= depth_ || !slots_[slot].busy || slots_[slot].no_cancel) return false;
  int fd = HelperPool::get().cancel(this, slot);
  if (fd < 0) return false;
  close(fd);
  Slot& s = slots_[slot];
  if (!s.pending_accept) bump(counters_[kCompleted]);  // the kernel had counted it
  s.busy = false;
  s.drop_pins();
  s.copy_out = false;
  s.trim_scratch(&large_scratch_kept_);
  inflight_--;
  update_busy();
  return true;
}

bool Queue::interrupt(uint32_t slot) {
  if (closed_ || slot >= depth_ || !slots_[slot].busy || !slots_[slot].stream_job) return false;
  Slot& s = slots_[slot];
  __atomic_store_n(&s.interrupt_gen, s.gen, __ATOMIC_RELEASE);
  uint64_t one = 1;
  while (write(s.cancel_efd, &one, sizeof one) < 0 && errno == EINTR) {
  }
  return true;
}

void Queue::stop_streams() {
  uint64_t one = 1;
  while (write(stop_efd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

}  // namespace laio
