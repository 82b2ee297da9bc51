// Queue, part 4 of 4: the jobs helper threads run (helper_pool.h): blocking
// re-issues of bounced requests and appends, cold reads tried against the page
// cache first, the threadpool backend, and pipe/socket/char-device requests.
#include "queue.h"

#include <sys/ioctl.h>

#include <cstdio>

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

// Submits one iocb from a helper thread without RWF_NOWAIT, blocking as long
// as the kernel needs; the completion comes through the ring as usual.
namespace {
// A full ring on a helper thread is momentary (completions drain it): wait and
// retry, at most this many times this far apart (one second in all).
constexpr int kFullRingRetries = 10000;
constexpr useconds_t kFullRingPauseUs = 100;
}  // namespace

// io_submit from a helper thread, as long as the kernel needs: again after
// EINTR, and after EAGAIN (the ring full) as above. What it returned last.
long Queue::submit_retrying(struct iocb** p, long n) {
  for (int tries = 0;;) {
    long r = io_submit(ctx_, n, p);
    bump(counters_[kSubmitCalls]);
    if (r == -EINTR) continue;
    if ((r == -EAGAIN || r == 0) && ++tries < kFullRingRetries) {
      usleep(kFullRingPauseUs);
      continue;
    }
    return r;
  }
}

long Queue::submit_blocking(struct iocb cb, int fd) {
  // RWF_NOWAIT here is the caller's own (flags.nowait): kept, so that an
  // append refuses to block as any other request does.
  cb.aio_fildes = static_cast<uint32_t>(fd);
  struct iocb* p = &cb;
  return submit_retrying(&p, 1);
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
  thread_local std::vector<HelperJob*> owners;
  owners.resize(n);
  for (unsigned i = 0; i < n; i++) owners[i] = &jobs[i];
  q->submit_owned(ptrs.data(), owners.data(), n, counted.data());
}

// Submits n iocbs blocking, each for owners[i], whose fd dup is closed once the
// kernel holds the file. io_submit names only the first iocb it refused: that
// one fails (counted[i]: its submission was counted here), the rest go on.
void Queue::submit_owned(struct iocb** ptrs, HelperJob* const* owners, unsigned n, const char* counted) {
  unsigned off = 0;
  while (off < n) {
    long r = submit_retrying(ptrs + off, n - off);
    if (r > 0) {
      for (unsigned k = off; k < off + static_cast<unsigned>(r); k++) close(owners[k]->fd);
      off += static_cast<unsigned>(r);
      continue;
    }
    after_blocking(*owners[off], r < 0 ? r : -EIO, counted == nullptr || counted[off] != 0);
    off++;
  }
}

// One cold read: the batch of one (tried with preadv2, RWF_NOWAIT).
void Queue::run_cold_read(HelperJob& job) { run_cold_read_batch(&job, 1); }

namespace {

// The most cold reads one helper tries in the page cache with one io_submit.
constexpr unsigned kProbeBatch = 64;

// This helper thread's own kernel AIO context, for those tries: an io_submit
// of several requests plugs the block layer, so the disk reads that their
// misses start reach the device together, one notification (a VM exit on a
// virtio disk, ~30 us of CPU here) instead of one per preadv2. 0: none. Its
// system calls bypass fault injection (kernel_abi.h), which targets the
// queue's own; a failure here only costs the tries' speed.
thread_local aio_context_t probe_ctx = 0;
thread_local bool probe_asked = false;

aio_context_t probe_context() {
  if (!probe_asked) {
    probe_asked = true;
    if (syscall(SYS_io_setup, kProbeBatch, &probe_ctx) != 0) probe_ctx = 0;
  }
  return probe_ctx;
}

// Tries n reads in the page cache (RWF_NOWAIT; a miss starts its disk read
// and fails EAGAIN at once). got[i]: the bytes read, or -errno.
void probe_cache(struct iocb* const* cbs, unsigned n, long* got) {
  // On the stack, not thread_local: a prebuilt binary's thread-local storage
  // must fit the little static TLS that glibc keeps for dlopen (binaries.test.js).
  struct io_event events[kProbeBatch];
  const aio_context_t ctx = n > 1 && n <= kProbeBatch ? probe_context() : 0;
  long submitted = 0;
  if (ctx != 0) {
    submitted = syscall(SYS_io_submit, ctx, static_cast<long>(n), cbs);
    if (submitted < 0) submitted = 0;
    // Buffered RWF_NOWAIT reads end inside io_submit; waiting covers one that
    // would finish later (O_DIRECT), whose memory is its slot's until posted.
    long reaped = 0;
    while (reaped < submitted) {
      long r = syscall(SYS_io_getevents, ctx, submitted - reaped, submitted - reaped, events, nullptr);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      for (long k = 0; k < r; k++) {
        const uint64_t i = events[k].data;
        if (i < n) got[i] = static_cast<long>(events[k].res);
      }
      reaped += r;
    }
    if (reaped < submitted) {
      // Never leave a try behind to land later, or to be taken for the next
      // batch's: io_destroy waits for it. Its read is then redone blocking.
      syscall(SYS_io_destroy, ctx);
      probe_ctx = 0;
      probe_asked = false;
    }
  }
  for (unsigned i = static_cast<unsigned>(submitted); i < n; i++) {
    const struct iocb* cb = cbs[i];
    struct iovec one = {reinterpret_cast<void*>(cb->aio_buf), static_cast<size_t>(cb->aio_nbytes)};
    const bool vec = cb->aio_lio_opcode == IOCB_CMD_PREADV;
    ssize_t r;
    do {
      r = preadv2(static_cast<int>(cb->aio_fildes), vec ? reinterpret_cast<const struct iovec*>(cb->aio_buf) : &one,
                  vec ? static_cast<int>(cb->aio_nbytes) : 1, static_cast<off_t>(cb->aio_offset),
                  static_cast<int>(cb->aio_rw_flags));
    } while (r < 0 && errno == EINTR);
    got[i] = r < 0 ? -errno : r;
  }
}

// Did a short read stop at the end of the file? Then it is the read's whole
// result (a hit), not a page missing in the middle of it (the inline path's
// nowait_partial in queue_reap.cc tells the two apart the same way).
bool ends_at_eof(int fd, uint64_t offset, long got) {
  struct stat st;
  return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<long long>(offset) + got >= st.st_size;
}

}  // namespace

// Cold reads taken together: all are first tried in the page cache in one
// io_submit of this thread's own (which for a miss also starts the disk read:
// readahead runs under RWF_NOWAIT), then the misses go in one blocking
// io_submit, whose reads find their pages arriving together: one wait for the
// disk per batch instead of a thread asleep per read.
void Queue::run_cold_read_batch(HelperJob* jobs, unsigned n) {
  auto* q = static_cast<Queue*>(jobs[0].owner);
  thread_local std::vector<struct iocb> cbs, probes;
  thread_local std::vector<struct iocb*> ptrs;
  thread_local std::vector<long> got;
  thread_local std::vector<HelperJob*> missed;
  thread_local std::vector<Completion> hits;
  thread_local std::vector<ReadHeat::Seen> heat;
  cbs.resize(n);
  probes.resize(n);
  ptrs.resize(n);
  got.assign(n, -EAGAIN);
  for (unsigned i = 0; i < n; i++) {
    cbs[i] = q->slots_[jobs[i].slot].cb;  // copied before the slot can complete
    cbs[i].aio_fildes = static_cast<uint32_t>(jobs[i].fd);
    bump(q->counters_[kSubmitted]);
    probes[i] = cbs[i];
    probes[i].aio_data = i;
    probes[i].aio_rw_flags |= RWF_NOWAIT;
    probes[i].aio_flags = 0;  // no eventfd: this thread reaps them
    probes[i].aio_resfd = 0;
    ptrs[i] = &probes[i];
  }
  probe_cache(ptrs.data(), n, got.data());
  missed.clear();
  hits.clear();
  heat.clear();
  for (unsigned i = 0; i < n; i++) {
    const Slot& s = q->slots_[jobs[i].slot];
    const bool hit = got[i] >= 0 && (static_cast<size_t>(got[i]) == s.named || ends_at_eof(jobs[i].fd, cbs[i].aio_offset, got[i]));
    heat.push_back({s.user_fd, s.file_id, hit});
    if (hit) {
      close(jobs[i].fd);
      bump(q->counters_[kCompleted]);
      hits.push_back({jobs[i].slot, clamp_res(got[i])});
      continue;
    }
    ptrs[missed.size()] = &cbs[i];
    missed.push_back(&jobs[i]);
  }
  q->post_batch(hits.data(), hits.size(), heat.data(), heat.size());
  q->submit_owned(ptrs.data(), missed.data(), static_cast<unsigned>(missed.size()), nullptr);  // all counted above
}

void Queue::post_batch(const Completion* done, size_t n, const ReadHeat::Seen* seen, size_t seen_n) {
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    posted_.insert(posted_.end(), done, done + n);
    heat_posted_.insert(heat_posted_.end(), seen, seen + seen_n);
  }
  if (n > 0) post_wakeup();
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

// Waits until fd is ready for the request's direction. Also wakes for the
// queue's stop (shutdown, close()) and for an interrupt of this request.
Queue::Wait Queue::wait_ready(int fd, bool write, Slot& s, uint32_t gen) {
  struct pollfd p[3] = {{fd, static_cast<short>(write ? POLLOUT : POLLIN), 0},
                        {stop_efd_, POLLIN, 0},
                        {s.cancel_efd, POLLIN, 0}};
  for (;;) {
    int r = poll(p, 3, -1);
    if (r < 0 && errno == EINTR) continue;
    if (p[1].revents & POLLIN) return Wait::Stop;
    if (p[2].revents & POLLIN) {
      uint64_t v;
      while (read(s.cancel_efd, &v, sizeof v) < 0 && errno == EINTR) {
      }
      if (__atomic_load_n(&s.interrupt_gen, __ATOMIC_ACQUIRE) == gen) return Wait::Stop;
      continue;  // meant for an earlier request of this slot
    }
    return Wait::Ready;
  }
}

namespace {

// The most one request moves: the kernel's MAX_RW_COUNT, as for files.
constexpr uint64_t kMaxTransfer = 0x7ffff000;
// Without RWF_NOWAIT (a tty, /dev/kmsg) a call after poll(2) could still block
// on more than the device takes at once: writes go in pieces this small, and
// reads take no more than FIONREAD says is there.
constexpr size_t kPieceWithoutNowait = 512;

// iov[first..] limited to n bytes, into out.
int limit_iov(const std::vector<struct iovec>& iov, size_t first, size_t n, struct iovec* out, int max) {
  int k = 0;
  for (size_t i = first; i < iov.size() && n > 0 && k < max; i++, k++) {
    out[k] = iov[i];
    if (out[k].iov_len > n) out[k].iov_len = n;
    n -= out[k].iov_len;
  }
  return k;
}

// A pipe or FIFO that takes no RWF_NOWAIT: a non-blocking open file
// description of the same pipe (O_NONBLOCK on the caller's own would change
// its fd). Only pipes: reopening a tty master or /dev/kmsg would reach
// another device or another reader. The fd, -EPIPE (a FIFO with no reader,
// for a write), or -1.
int own_nonblocking(int fd, bool write) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return -1;
  char path[40];
  std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int own = open(path, (write ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (own < 0 && errno == ENXIO) return -EPIPE;
  return own;
}

}  // namespace

// A request on a pipe, socket or tty, on its lane's own thread: waits for
// readiness in poll(2), where stop and interrupt can wake it, then transfers
// without blocking. A read returns what is there, as read(2) does; a write
// goes on until every byte is written, as a blocking write(2) does.
void Queue::run_stream(HelperJob& job) {
  auto* q = static_cast<Queue*>(job.owner);
  Slot& s = q->slots_[job.slot];
  bump(q->counters_[kSubmitted]);
  const uint32_t gen = s.gen;
  const bool write = is_write(s.op);
  const bool once = (s.cb.aio_rw_flags & RWF_NOWAIT) != 0;  // the caller's flags.nowait
  const int flags = static_cast<int>(s.cb.aio_rw_flags) & ~RWF_NOWAIT;
  const uint64_t want = std::min<uint64_t>(s.named, kMaxTransfer);
  thread_local std::vector<struct iovec> iov;
  iov.assign(s.iov.begin(), s.iov.end());
  size_t first = 0;
  uint64_t done = 0;
  // How to transfer without blocking: RWF_NOWAIT; or, where the file takes
  // none, a non-blocking open file description of its own (pipes, FIFOs);
  // or, as a last resort, bounded pieces after poll(2) (ttys).
  enum class Mode { Nowait, OwnNonblocking, Pieces } mode = Mode::Nowait;
  int held = -1;
  int32_t res;
  for (;;) {
    ssize_t r;
    if (mode != Mode::Pieces) {
      const int cnt = static_cast<int>(iov.size() - first);
      const int f = flags | (mode == Mode::Nowait ? RWF_NOWAIT : 0);
      r = write ? pwritev2(job.fd, iov.data() + first, cnt, -1, f) : preadv2(job.fd, iov.data() + first, cnt, -1, f);
    } else {
      // After poll(2) said ready: no more than can go without blocking.
      size_t n = kPieceWithoutNowait;
      int avail = 0;
      if (!write) n = ioctl(job.fd, FIONREAD, &avail) == 0 && avail > 0 ? static_cast<size_t>(avail) : 1;
      struct iovec part[16];
      const int cnt = limit_iov(iov, first, std::min<uint64_t>(n, want - done), part, 16);
      r = write ? pwritev2(job.fd, part, cnt, -1, flags) : preadv2(job.fd, part, cnt, -1, flags);
    }
    if (r >= 0) {
      done += static_cast<uint64_t>(r);
      if (!write || done >= want || once) {
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
      if (mode != Mode::Pieces) continue;  // try the rest at once
    } else {
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EOPNOTSUPP && mode == Mode::Nowait && !once) {
        int own = own_nonblocking(job.fd, write);
        if (own == -EPIPE) {  // a FIFO with no reader: what a write would say
          res = done > 0 ? clamp_res(static_cast<long long>(done)) : -EPIPE;
          break;
        }
        if (own >= 0) {
          held = job.fd;  // still held: the file stays as the caller's fd left it
          job.fd = own;
          mode = Mode::OwnNonblocking;
          continue;
        }
        mode = Mode::Pieces;
      } else if (err != EAGAIN || once) {
        res = done > 0 ? clamp_res(static_cast<long long>(done)) : -err;
        break;
      }
    }
    if (q->wait_ready(job.fd, write, s, gen) != Wait::Ready) {
      res = done > 0 ? clamp_res(static_cast<long long>(done)) : -ECANCELED;
      break;
    }
  }
  close(job.fd);
  if (held >= 0) close(held);
  bump(q->counters_[kCompleted]);
  q->post(job.slot, res);
}

}  // namespace laio
