// Queue, part 4 of 4: the jobs helper threads run (helper_pool.h): blocking
// re-issues of bounced requests and appends, cold reads tried against the page
// cache first, the threadpool backend, and pipe/socket/char-device requests.
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

}  // namespace laio
