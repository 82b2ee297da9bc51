// Helper threads for work that must not run on the event loop: requests that
// RWF_NOWAIT bounced (re-issued with a blocking io_submit), O_APPEND writes, and
// the whole threadpool backend. One pool per process, shared by every context
// and worker thread; threads are started on demand and sleep on a condition
// variable when idle (nothing spins).
//
// Jobs with the same (owner, lane) run one at a time in FIFO order; that is how
// writes to one fd keep the order they were issued in. Lane -1 runs in parallel.
// A lane's queued jobs that share a run_batch are taken together, in order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace laio {

struct HelperJob {
  void (*run)(HelperJob& job);  // executes on a helper thread
  // When set: runs a lane's consecutive queued jobs together (n >= 2), in order.
  void (*run_batch)(HelperJob* jobs, unsigned n);
  void* owner;                  // the queue the job belongs to
  uint32_t slot;                // request slot in that queue
  int fd;                       // a dup of the user's fd, owned by the job
  int lane;                     // serial lane key (the user's fd), or -1
};

class HelperPool {
 public:
  static HelperPool& get();

  // Queues n jobs under one lock.
  void enqueue(const HelperJob* jobs, size_t n);
  // Removes the owner's jobs that have not started (returned, so the caller can
  // release them) and waits until none of its jobs is running.
  std::vector<HelperJob> quiesce(void* owner);

 private:
  HelperPool() = default;
  void worker();
  bool next_job(std::vector<HelperJob>* out);
};

}  // namespace laio
