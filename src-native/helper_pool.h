// Helper threads for work that must not run on the event loop: requests that
// RWF_NOWAIT bounced (re-issued with a blocking io_submit), O_APPEND writes, the
// whole threadpool backend, and every request on a pipe, socket or character
// device. One pool per process, shared by every context and worker thread.
//
// Two kinds of job, so that one that waits for good delays no other:
//  - file jobs (regular files, block devices) finish in bounded time. They run
//    on shared threads, started one per queued job up to a cap (4 per CPU,
//    8 to 64), which sleep on a futex when idle. An event loop queues them
//    without taking the pool's lock (a parcel pushed with a compare-and-swap)
//    and wakes sleepers with FUTEX_WAKE: submitting never waits for a helper.
//    (Only cancel() and quiesce(), for an abort or a close, take the lock.)
//  - stream jobs (pipes, sockets, ttys) may wait for data that never comes.
//    Each stream lane gets a thread of its own while it has work, outside the
//    cap (up to kMaxStreamThreads), which waits in poll(2) and can be woken to
//    give up.
//
// Jobs with the same (owner, lane) run one at a time in FIFO order; that is how
// writes to one fd keep the order they were issued in. Lane -1 runs in parallel.
// A lane's queued jobs that share a run_batch are taken together, in order; so
// are up to 16 of one owner's parallel jobs that share one, in no set order.
// Every helper thread blocks every signal: a signal meant for the process never
// interrupts a request (EINTR) and is never handled on these threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace laio {

struct HelperJob {
  void (*run)(HelperJob& job);  // executes on a helper thread
  // When set: runs a lane's consecutive queued jobs together (n >= 2), in order.
  void (*run_batch)(HelperJob* jobs, unsigned n);
  void* owner;                  // the queue the job belongs to
  uint32_t slot;                // request slot in that queue
  int fd;                       // a dup of the user's fd, owned by the job
  int lane;                     // serial lane key, or -1
  bool stream;                  // may wait for good: a thread of its own
};

class HelperPool {
 public:
  static HelperPool& get();

  // Queues n jobs, the file jobs without waiting for any lock (an event loop
  // calls it, however busy the helpers are). Returns the stream jobs that got
  // no thread (none could be started, or kMaxStreamThreads run already): the
  // caller fails them (EAGAIN) rather than leave them waiting for a thread.
  std::vector<HelperJob> enqueue(const HelperJob* jobs, size_t n);
  // Removes the owner's job for slot if it has not started; returns its fd
  // (for the caller to close), or -1 when it is running or done.
  int cancel(void* owner, uint32_t slot);
  // Removes the owner's jobs that have not started (returned, so the caller can
  // release them) and waits until none of its jobs is running.
  std::vector<HelperJob> quiesce(void* owner);

 private:
  HelperPool() = default;
  void enqueue_streams(const HelperJob* jobs, size_t n, std::vector<HelperJob>* refused);
  void worker(bool stream_lane, void* owner, int lane);
  bool next_job(std::vector<HelperJob>* out, bool stream_lane, void* owner, int lane);
};

// Starts a detached thread with every signal blocked (see above); false if
// no thread could be made.
bool spawn_quiet_thread(std::function<void()> fn);

}  // namespace laio
