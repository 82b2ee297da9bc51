// Queue, part 1 of 4: setup and teardown (queue.h has the whole picture).
// io_setup with the RWF_NOWAIT probe, the eventfd and its libuv poll handle;
// shutdown, with io_destroy off the event loop; the environment cleanup hook.
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
#include <thread>

namespace laio {
namespace {

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

// How many completions one wake-up takes from the ring: a quarter of the
// depth, at least 16 (or the whole depth when it is smaller), at most 32. The
// requests those completions free go to the kernel together, and each
// io_submit notifies the device once: a VM exit on a virtio disk, ~30 us of
// CPU here, so small takes spend the loop's CPU on notifications (depth 32,
// 4 per take: 61-71k IOPS at 14-16 us of CPU per request; 8: 79-99k at
// 10-12 us; 16: the IOPS of 8 at 4.6 us against 5.7-5.8). Taking the whole
// ring of a deeper queue lets it drain and refill in lockstep (depth 64: 32
// per take 174-192k IOPS against 192-208k with 16). docs/internals.md has the
// runs. LINUX_AIO_REAP_BATCH overrides it.
unsigned reap_batch(unsigned depth) {
  const char* env = std::getenv("LINUX_AIO_REAP_BATCH");
  long n = env != nullptr ? std::strtol(env, nullptr, 10) : std::min(std::max(depth / 4, std::min(depth, 16u)), 32u);
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
    if (q->stop_efd_ >= 0) close(q->stop_efd_);
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
  later_.resize(depth_);
  posted_.reserve(depth_);

  reap_batch_ = reap_batch(depth_);
  efd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd_ < 0) return -errno;
  stop_efd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (stop_efd_ < 0) return -errno;
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

void Queue::shutdown(bool background, bool keep_alive) {
  if (closed_) return;
  closed_ = true;
  uint64_t one = 1;
  while (write(stop_efd_, &one, sizeof one) < 0 && errno == EINTR) {
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
  for (Slot& s : slots_) {
    s.free_memory(&large_scratch_kept_);
    if (s.cancel_efd >= 0) close(s.cancel_efd);
    s.cancel_efd = -1;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), on_closed);  // stops polling now
  close(efd_);
  efd_ = -1;
  close(stop_efd_);
  stop_efd_ = -1;
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
