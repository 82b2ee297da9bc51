#include "helper_pool.h"

#include "faults.h"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

namespace laio {
namespace {

// The most jobs of one lane taken together.
constexpr size_t kBatch = 64;
// The most parallel jobs (lane -1) of one owner taken together: enough to
// share one wait for the disk, few enough to leave work for other threads.
constexpr size_t kParallelBatch = 16;
// The most stream threads at once (one per pipe, socket or tty with requests
// waiting): past that, a stream request fails EAGAIN.
constexpr unsigned kMaxStreamThreads = 1024;

// Shared threads: four per CPU, 8 to 64, enough to keep page-cache misses and
// extending writes in flight. More only contend: cold buffered random reads on
// 2 vCPUs ran at 35k IOPS with 64 threads against 142k-213k with 4 or 8, and
// the event loop's p99 delay rose from 2.3 to 4.3 ms. LINUX_AIO_HELPERS
// overrides it.
unsigned max_threads() {
  static const unsigned n = [] {
    const char* env = std::getenv("LINUX_AIO_HELPERS");
    long cpus = static_cast<long>(std::thread::hardware_concurrency());
    long v = env != nullptr ? std::strtol(env, nullptr, 10) : std::min(64L, std::max(8L, 4 * cpus));
    return static_cast<unsigned>(v < 1 ? 1 : v > 1024 ? 1024 : v);
  }();
  return n;
}

// File jobs on their way from an event loop to the helpers. An event loop
// never waits for a helper: it pushes a parcel with a compare-and-swap and
// wakes sleepers with FUTEX_WAKE, which does not block. (Under the pool's
// mutex, a loop waited behind a helper preempted while holding it, and
// pthread_cond_signal itself may wait for woken sleepers to leave: 1-2 ms
// stalls of the loop, 75 ms in a 5 s run of cold reads.)
struct Parcel {
  Parcel* next;
  std::vector<HelperJob> jobs;
};

// Heap-allocated and never destroyed: helper threads may still be parked on
// these at process exit, when static destructors run.
struct PoolState {
  std::mutex mu;
  std::condition_variable idle;  // a job finished (for quiesce)
  std::deque<HelperJob> jobs;
  std::vector<std::pair<void*, int>> busy_lanes;  // running, or owned by a stream thread
  std::vector<std::pair<void*, unsigned>> running;  // owner -> jobs running
  std::atomic<Parcel*> inbox{nullptr};  // newest first; moved to jobs under mu
  // The futex shared threads sleep on: bumped whenever there may be work for a
  // sleeper (a file job queued, a lane freed, work left behind by a helper
  // that took some), so that one that read it before the change does not sleep.
  std::atomic<uint32_t> work_seq{0};
  std::atomic<unsigned> threads{0};  // shared threads
  std::atomic<unsigned> waiting{0};  // shared threads asleep (or started, not yet running)
  std::atomic<unsigned> file_jobs{0};  // file jobs queued (inbox or jobs), not yet taken
  unsigned stream_threads = 0;
};

PoolState& state() {
  static PoolState* s = new PoolState();
  return *s;
}

void futex_wake(std::atomic<uint32_t>* word, int n) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, n, nullptr, nullptr, 0);
}

void futex_wait(std::atomic<uint32_t>* word, uint32_t seen) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, seen, nullptr, nullptr, 0);
}

// Wakes up to n sleeping shared threads (all when n >= the sleepers).
void wake_workers(PoolState& s, size_t n) {
  s.work_seq.fetch_add(1);
  if (n > 0 && s.waiting.load() > 0) futex_wake(&s.work_seq, n >= INT_MAX ? INT_MAX : static_cast<int>(n));
}

// Called with the lock held: moves the parcels pushed since the last call
// into jobs, oldest first, so that a lane's jobs keep their order.
bool take_inbox(PoolState& s) {
  Parcel* p = s.inbox.exchange(nullptr);
  if (p == nullptr) return false;
  Parcel* oldest = nullptr;
  while (p != nullptr) {
    Parcel* next = p->next;
    p->next = oldest;
    oldest = p;
    p = next;
  }
  while (oldest != nullptr) {
    Parcel* next = oldest->next;
    s.jobs.insert(s.jobs.end(), oldest->jobs.begin(), oldest->jobs.end());
    delete oldest;
    oldest = next;
  }
  return true;
}

bool lane_busy(const PoolState& s, void* owner, int lane) {
  return std::find(s.busy_lanes.begin(), s.busy_lanes.end(), std::make_pair(owner, lane)) !=
         s.busy_lanes.end();
}

void free_lane(PoolState& s, void* owner, int lane) {
  auto it = std::find(s.busy_lanes.begin(), s.busy_lanes.end(), std::make_pair(owner, lane));
  if (it != s.busy_lanes.end()) s.busy_lanes.erase(it);
}

void count_running(PoolState& s, void* owner, int delta) {
  for (auto& r : s.running) {
    if (r.first == owner) {
      r.second += delta;
      return;
    }
  }
  s.running.emplace_back(owner, 1);
}

unsigned running_for(const PoolState& s, void* owner) {
  for (const auto& r : s.running)
    if (r.first == owner) return r.second;
  return 0;
}

}  // namespace

bool spawn_quiet_thread(std::function<void()> fn) {
  sigset_t all, old;
  sigfillset(&all);
  // The new thread inherits this mask, so it never runs with signals open.
  pthread_sigmask(SIG_SETMASK, &all, &old);
  bool ok = true;
  try {
    std::thread(std::move(fn)).detach();
  } catch (...) {
    ok = false;
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return ok;
}

HelperPool& HelperPool::get() {
  static HelperPool* pool = new HelperPool();
  return *pool;
}

std::vector<HelperJob> HelperPool::enqueue(const HelperJob* jobs, size_t n) {
  std::vector<HelperJob> refused;
  PoolState& s = state();
  auto* parcel = new Parcel{nullptr, {}};
  parcel->jobs.reserve(n);
  size_t batchable = 0;  // parallel jobs that are taken together (next_job)
  for (size_t i = 0; i < n; i++) {
    if (jobs[i].stream) continue;
    parcel->jobs.push_back(jobs[i]);
    if (jobs[i].lane == -1 && jobs[i].run_batch != nullptr) batchable++;
  }
  const auto file_jobs = static_cast<unsigned>(parcel->jobs.size());
  if (file_jobs > 0) {
    // Counted before the parcel can be taken, so that the count never drops
    // below what is queued: it only decides threads to start and wake.
    const unsigned queued = s.file_jobs.fetch_add(file_jobs) + file_jobs;
    parcel->next = s.inbox.load();
    while (!s.inbox.compare_exchange_weak(parcel->next, parcel)) {
    }
    // One shared thread per queued job that no sleeping thread will take, up
    // to the cap: a job that blocks long never holds back the ones behind it.
    // The shortfall is taken once: a thread started here stops counting as a
    // sleeper as soon as it runs, and must not make the loop start another.
    const unsigned sleepers = s.waiting.load();
    unsigned short_by = queued > sleepers ? queued - sleepers : 0;
    for (unsigned t = s.threads.load(); short_by > 0 && t < max_threads();) {
      if (!s.threads.compare_exchange_weak(t, t + 1)) continue;
      s.waiting++;  // counts as a sleeper until it runs (it takes a job at once)
      if (!spawn_quiet_thread([this] { worker(false, nullptr, -1); })) {
        s.waiting--;
        s.threads--;
        break;
      }
      t++;
      short_by--;
    }
    // One sleeper woken per job, or per batch that one thread will take
    // whole: a woken thread that finds nothing left costs two context switches.
    wake_workers(s, file_jobs - batchable + (batchable + kParallelBatch - 1) / kParallelBatch);
  } else {
    delete parcel;
  }
  // After the file jobs, which must not wait for the lock these take.
  if (file_jobs < n) enqueue_streams(jobs, n, &refused);
  return refused;
}

// Stream jobs start threads and may be refused, under the lock: they are
// requests on pipes, sockets and ttys, not the cold reads of a busy loop.
void HelperPool::enqueue_streams(const HelperJob* jobs, size_t n, std::vector<HelperJob>* refused) {
  PoolState& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  for (size_t i = 0; i < n; i++) {
    const HelperJob& job = jobs[i];
    if (!job.stream) continue;
    // A stream lane gets a thread of its own, which keeps the lane until it
    // has no more work.
    if (lane_busy(s, job.owner, job.lane)) {
      s.jobs.push_back(job);
      continue;
    }
    void* owner = job.owner;
    int lane = job.lane;
    if (s.stream_threads >= kMaxStreamThreads ||
        !spawn_quiet_thread([this, owner, lane] { worker(true, owner, lane); })) {
      refused->push_back(job);
      continue;
    }
    s.stream_threads++;
    s.busy_lanes.emplace_back(owner, lane);
    s.jobs.push_back(job);
  }
}

// Called with the lock held: takes the first job this thread may run (a
// stream thread: its own lane's; a shared thread: a file job whose lane is
// free), and the lane's queued jobs right behind it when they can run as one
// batch.
bool HelperPool::next_job(std::vector<HelperJob>* out, bool stream_lane, void* owner, int lane) {
  PoolState& s = state();
  take_inbox(s);
  for (auto it = s.jobs.begin(); it != s.jobs.end(); ++it) {
    if (stream_lane ? (it->owner != owner || it->lane != lane) : it->stream) continue;
    if (!stream_lane && it->lane != -1 && lane_busy(s, it->owner, it->lane)) continue;
    const HelperJob first = *it;
    out->push_back(first);
    it = s.jobs.erase(it);
    if (first.lane != -1 && first.run_batch != nullptr) {
      while (it != s.jobs.end() && out->size() < kBatch) {
        if (it->owner == first.owner && it->lane == first.lane) {
          if (it->run_batch != first.run_batch) break;  // keep the lane's order
          out->push_back(*it);
          it = s.jobs.erase(it);
        } else {
          ++it;
        }
      }
    } else if (first.run_batch != nullptr) {
      // Parallel jobs have no order to keep: the owner's others of this kind.
      while (it != s.jobs.end() && out->size() < kParallelBatch) {
        if (it->owner == first.owner && it->lane == -1 && it->run_batch == first.run_batch) {
          out->push_back(*it);
          it = s.jobs.erase(it);
        } else {
          ++it;
        }
      }
    }
    if (!stream_lane && first.lane != -1) s.busy_lanes.emplace_back(first.owner, first.lane);
    if (!stream_lane) s.file_jobs -= static_cast<unsigned>(out->size());
    // enqueue woke one sleeper per batch it foresaw; work this thread left
    // (another kind, another owner's) must not wait for a disk to finish.
    if (!stream_lane && s.file_jobs.load() > 0) wake_workers(s, 1);
    count_running(s, first.owner, +1);
    if (fault_hit(FaultPoint::HelperTake) == kFaultStall) usleep(600 * 1000);
    return true;
  }
  return false;
}

// A shared thread runs file jobs for ever; a stream thread runs its lane's
// jobs until there are none, then gives the lane up and ends.
void HelperPool::worker(bool stream_lane, void* owner, int lane) {
  PoolState& s = state();
  // Named for top -H, perf and /proc/<pid>/task/*/comm (at most 15 characters).
  pthread_setname_np(pthread_self(), stream_lane ? "laio-stream" : "laio-helper");
  std::vector<HelperJob> batch;
  batch.reserve(kBatch);
  std::unique_lock<std::mutex> lock(s.mu);
  if (!stream_lane) s.waiting--;  // counted as a sleeper since enqueue started it
  for (;;) {
    batch.clear();
    if (!next_job(&batch, stream_lane, owner, lane)) {
      if (stream_lane) {
        free_lane(s, owner, lane);
        s.stream_threads--;
        return;
      }
      // Counted as waiting before the inbox is checked again, so that a loop
      // that queues after this check sees a sleeper to wake, and the word
      // read first, so that a wake-up before the sleep is not lost.
      s.waiting++;
      const uint32_t seen = s.work_seq.load();
      if (!take_inbox(s)) {
        lock.unlock();
        futex_wait(&s.work_seq, seen);
        lock.lock();
      }
      s.waiting--;
      continue;
    }
    lock.unlock();
    const HelperJob& job = batch[0];
    if (batch.size() > 1)
      job.run_batch(batch.data(), static_cast<unsigned>(batch.size()));
    else
      batch[0].run(batch[0]);
    lock.lock();
    if (!stream_lane && job.lane != -1) {
      free_lane(s, job.owner, job.lane);
      wake_workers(s, INT_MAX);  // the next job of this lane may be waiting
    }
    count_running(s, job.owner, -1);
    s.idle.notify_all();
  }
}

int HelperPool::cancel(void* owner, uint32_t slot) {
  PoolState& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  take_inbox(s);
  for (auto it = s.jobs.begin(); it != s.jobs.end(); ++it) {
    if (it->owner == owner && it->slot == slot) {
      int fd = it->fd;
      if (!it->stream) s.file_jobs--;
      s.jobs.erase(it);
      return fd;
    }
  }
  return -1;
}

std::vector<HelperJob> HelperPool::quiesce(void* owner) {
  PoolState& s = state();
  std::unique_lock<std::mutex> lock(s.mu);
  take_inbox(s);
  std::vector<HelperJob> dropped;
  for (auto it = s.jobs.begin(); it != s.jobs.end();) {
    if (it->owner == owner) {
      if (!it->stream) s.file_jobs--;
      dropped.push_back(*it);
      it = s.jobs.erase(it);
    } else {
      ++it;
    }
  }
  s.idle.wait(lock, [&] { return running_for(s, owner) == 0; });
  s.running.erase(std::remove_if(s.running.begin(), s.running.end(),
                                 [&](const std::pair<void*, unsigned>& r) {
                                   return r.first == owner;
                                 }),
                  s.running.end());
  return dropped;
}

}  // namespace laio
