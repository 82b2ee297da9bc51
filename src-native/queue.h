// One kernel AIO context (or its thread-pool stand-in) and everything needed to
// run requests through it: preallocated request slots, batched io_submit with
// per-request errors, the RWF_NOWAIT fallback, and completion reaping driven by
// an eventfd that libuv watches. Loop-thread only, except where noted.
#pragma once

#include <linux/aio_abi.h>
#include <node_api.h>
#include <sys/uio.h>
#include <uv.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "helper_pool.h"
#include "latency_hist.h"
#include "nowait_cache.h"
#include "owned_memory.h"
#include "read_heat.h"
#include "protocol.h"
#include "ring.h"

namespace laio {

struct Slot {
  struct iocb cb;
  // The memory the kernel sees: one entry for read/write. Capacity kept between uses.
  std::vector<struct iovec> iov;
  std::vector<Block*> pins;  // allocAligned blocks in use: one reference each
  Block* scratch = nullptr;  // this slot's copy buffer (one reference)
  uint64_t named;            // bytes the call named
  uint64_t file_id;          // identity of the file the call named (0: unchecked)
  bool copy_out;             // a read into scratch: copy_out() follows completion
  // The iocb points at the caller's own memory, which is valid only until
  // submit() returns: allowed for requests that run inside io_submit
  // (buffered, inline), and submit() does not return before each is done or
  // moved to scratch (Queue::unborrow, Queue::finish_borrowed).
  bool borrowed;
  uint64_t t_submit;         // uv_hrtime() when it was handed over (timings)
  int cancel_efd = -1;       // wakes this slot's stream request (interrupt)
  uint32_t interrupt_gen;    // gen of the request interrupt() meant (atomic access)
  bool stream_job;           // its request runs on a stream thread
  bool no_cancel;            // part of it reached the file already: not cancellable
  int32_t user_fd;
  int32_t op;
  bool busy;
  bool auto_nowait;  // we added RWF_NOWAIT: EAGAIN/EOPNOTSUPP means "retry blocking"
  bool pending_accept;  // the kernel has not accepted it yet: a helper submits it first
  uint32_t gen;      // the submit() call that staged it

  void drop_pins();
  // Lets a large scratch block go, unless the context's budget for keeping
  // large ones (*large_kept bytes in use) allows it to stay.
  void trim_scratch(size_t* large_kept);
  void drop_scratch(size_t* large_kept);
  void free_memory(size_t* large_kept);
  bool scratch_counted = false;  // kept under the large-scratch budget
};

// The memory of each submission entry, resolved by the binding from the views
// the call named: entry i is parts[first[i]] .. parts[first[i + 1]], or has
// error[i] < 0 when its views are unusable.
struct EntryViews {
  std::vector<struct iovec> parts;
  std::vector<uint32_t> first;
  std::vector<int32_t> error;
};

// Asked only for memory that is not the package's (so the hot path with
// allocAligned buffers makes no system call for it): may the request borrow
// the caller's memory? No when ask is null.
struct BorrowQuery {
  bool (*ask)(void* arg);
  void* arg;
};

// Points s.cb at memory that stays valid until the request is done: pinned
// allocAligned blocks, scratch (slot_memory.cc), or where borrow says so, the
// caller's memory itself (Slot::borrowed). 1 when it copies through scratch,
// 0 when not, or a negative errno.
int plan_memory(Slot& s, const struct iovec* parts, unsigned count, BorrowQuery borrow, size_t* large_kept);

struct Completion {
  uint32_t slot;
  int32_t res;
};

// What the queue needs from its JavaScript owner.
class Sink {
 public:
  virtual void deliver(unsigned n) = 0;  // n pairs are in cq
  virtual void set_busy(bool busy) = 0;  // keep the JS side alive while true
  virtual void queue_gone() = 0;         // the queue shut down on its own
 protected:
  ~Sink() = default;
};

class Queue {
 public:
  enum class Backend { Kernel, Threadpool };

  // Returns 0 and a new queue, or the negative errno of io_setup/eventfd.
  static int create(napi_env env, unsigned depth, bool allow_threadpool, int32_t* cq, Sink* sink,
                    Queue** out);

  Backend backend() const { return backend_; }
  unsigned depth() const { return depth_; }

  // Hands n descriptors from sq to the kernel; statuses are written back in
  // sq. False (and nothing done) when an entry names a bad or busy slot.
  bool submit(int32_t* sq, unsigned n, const EntryViews& views);
  // After the completion of a read whose status was kStatusCopyOut: copies its
  // res bytes from scratch into parts (the same views, resolved now). Returns
  // res, or -EFAULT when the views no longer hold what the call named.
  int64_t copy_out(uint32_t slot, int32_t res, const struct iovec* parts, unsigned count);
  // Blocks this thread until at least one completion is ready and copies the
  // ready ones to cq without calling JS. Returns how many (0 when idle).
  unsigned wait_sync();
  void read_counters(double* out) const;
  // Counts per latency bucket (latency_hist.h) of the time from submission to
  // the reaping of a completion on the event loop.
  const LatencyHist& device_latency() const { return device_latency_; }
  // Takes back a request still waiting for a helper (behind a blocked one on
  // its fd): true when it was, and its slot is free again; false once it runs.
  bool cancel(uint32_t slot);
  // Wakes a stream request of slot that waits for readiness: it ends with
  // ECANCELED (or what it moved so far). False when slot holds none.
  bool interrupt(uint32_t slot);
  // close() began: stream requests waiting for readiness give up (ECANCELED).
  void stop_streams();

  // Ends the queue: drops unstarted helper jobs, waits for the kernel to finish
  // with every buffer (io_destroy), closes the eventfd, then tells the sink
  // (queue_gone). With background, and nothing in flight, io_destroy runs on
  // its own thread and the rest follows on the loop when it is done;
  // keep_alive holds the loop open meanwhile. Frees itself later.
  void shutdown(bool background, bool keep_alive);
  void detach_sink() { sink_ = nullptr; }

 private:
  Queue(unsigned depth, int32_t* cq, Sink* sink);
  ~Queue() = default;
  int init(napi_env env, bool allow_threadpool);

  void release(int32_t* e, Slot& s, int32_t status);
  // What submit() does with a staged request: io_submit it with the batch
  // (RWF_NOWAIT added where it may block), or hand it to the helpers: a
  // stream thread (pipes, sockets, ttys), the threadpool backend, a serial
  // lane (appends, files that refuse RWF_NOWAIT), or a cold-read helper.
  enum class Route { Inline, Stream, Threadpool, Lane, ColdRead };
  Route route(Slot& s, int32_t rw_flags, int32_t flags, struct FdFacts& facts);
  int dispatch(Slot& s, Route how, struct FdFacts& facts);
  void submit_batch(int32_t* sq);
  void missed(const Slot& s);
  // A borrowed request that must outlive submit() (a re-issue on a helper)
  // moves to scratch, copying written bytes now. 0 or a negative errno.
  int unborrow(Slot& s);
  void end_borrow(Slot& s) {
    if (s.borrowed) {
      s.borrowed = false;
      borrowed_--;
    }
  }
  // Waits for the kernel to finish the borrowed requests still running: none
  // expected, since only RWF_NOWAIT buffered requests borrow and those
  // complete inside io_submit; a guard for any that would complete later.
  void finish_borrowed();
  // expect_file: when not 0, the fd must still name that file (a late re-issue).
  int to_helper(Slot& s, int lane, void (*run)(HelperJob&), uint64_t expect_file = 0, bool stream = false);

  bool collect(unsigned limit);
  bool reap_kernel(unsigned limit, uint32_t inline_gen);
  void later_push(const Completion& c);
  bool ring_has_more();
  // Re-issues s blocking on a helper; if that cannot be done, s completes with
  // if_not_bounced (a result already in hand) or the hand-off's error.
  static constexpr int32_t kNoResult = INT32_MIN;
  void bounce(Slot& s, int32_t if_not_bounced = kNoResult);
  void push_ready(const Completion& c);
  unsigned move_ready_to_cq();  // frees the slots of what cq_ holds; how many
  void post_wakeup();
  void update_busy();
  void finish();
  void drain_eventfd();
  void post(uint32_t slot, int32_t res);  // any thread

  static void on_poll(uv_poll_t* handle, int status, int events);
  static void on_closed(uv_handle_t* handle);
  static void on_env_cleanup(napi_async_cleanup_hook_handle handle, void* arg);
  static void run_resubmit(HelperJob& job);
  static void run_resubmit_batch(HelperJob* jobs, unsigned n);
  static void run_cold_read(HelperJob& job);
  static void run_cold_read_batch(HelperJob* jobs, unsigned n);
  void flush_jobs();
  long submit_retrying(struct iocb** p, long n);  // helper threads only
  long submit_blocking(struct iocb cb, int fd);
  void after_blocking(HelperJob& job, long r, bool counted_here);
  void submit_owned(struct iocb** ptrs, HelperJob* const* owners, unsigned n, const char* counted);
  // A helper batch's results and what they say of each fd's cache, under one
  // lock and one wake-up of the loop (any thread).
  void post_batch(const Completion* done, size_t n, const ReadHeat::Seen* seen, size_t seen_n);
  static void run_execute(HelperJob& job);
  static void run_stream(HelperJob& job);
  enum class Wait { Ready, Stop };
  Wait wait_ready(int fd, bool write, Slot& s, uint32_t gen);

  Backend backend_ = Backend::Kernel;
  const unsigned depth_;
  int32_t* const cq_;
  Sink* sink_;
  aio_context_t ctx_ = 0;
  CompletionRing ring_;
  int efd_ = -1;
  int stop_efd_ = -1;  // readable once close() or shutdown began: stream jobs give up
  bool nowait_ = false;
  uv_poll_t* poll_ = nullptr;
  napi_async_cleanup_hook_handle cleanup_ = nullptr;
  bool closed_ = false;
  bool background_ = false;             // io_destroy running on its own thread
  std::atomic<bool> destroyed_{false};  // ...and done
  bool busy_ = false;
  unsigned inflight_ = 0;    // slots given to us and not yet delivered
  unsigned reap_batch_ = 1;  // most ring events taken per wake-up

  NowaitCache refusers_;
  ReadHeat heat_;
  std::vector<Slot> slots_;
  std::vector<HelperJob> staged_jobs_;  // for the helpers, handed over once per turn
  std::vector<struct iocb*> batch_;
  std::vector<unsigned> batch_entry_;
  bool watch_sleep_ = false;  // the batch holds reads of an fd that missed lately
  uint32_t slept_gen_ = 0;    // the last submit() whose io_submit put the loop to sleep
  std::vector<struct io_event> events_;
  unsigned ready_count_ = 0;  // completions in cq_, to deliver on the next wake-up
  size_t large_scratch_kept_ = 0;  // bytes of scratch blocks over 64 KiB kept by slots
  unsigned borrowed_ = 0;          // slots with Slot::borrowed (only inside submit())
  // Reaped asynchronous completions beyond this wake-up's share (a ring
  // buffer of depth entries: each busy slot has at most one).
  std::vector<Completion> later_;
  unsigned later_head_ = 0;
  unsigned later_count_ = 0;
  uint32_t submit_gen_ = 0;

  std::mutex posted_mu_;
  std::vector<Completion> posted_;  // from helper threads
  std::vector<ReadHeat::Seen> heat_posted_;  // page-cache hits and misses seen by helpers

  std::atomic<uint64_t> counters_[kCounterCount] = {};
  LatencyHist device_latency_;
};

}  // namespace laio
