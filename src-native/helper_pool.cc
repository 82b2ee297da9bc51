#include "helper_pool.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
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

// Heap-allocated and never destroyed: helper threads may still be parked on
// these at process exit, when static destructors run.
struct PoolState {
  std::mutex mu;
  std::condition_variable work;  // a file job was queued or a lane freed
  std::condition_variable idle;  // a job finished (for quiesce)
  std::deque<HelperJob> jobs;
  std::vector<std::pair<void*, int>> busy_lanes;  // running, or owned by a stream thread
  std::vector<std::pair<void*, unsigned>> running;  // owner -> jobs running
  unsigned threads = 0;  // shared threads
  unsigned waiting = 0;  // shared threads asleep (or woken, not yet running)
  unsigned file_jobs = 0;  // file jobs queued, not yet taken
  unsigned stream_threads = 0;
};

PoolState& state() {
  static PoolState* s = new PoolState();
  return *s;
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
  if (n == 0) return refused;
  PoolState& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  size_t file_jobs = 0;
  size_t batchable = 0;  // parallel jobs that are taken together (next_job)
  for (size_t i = 0; i < n; i++) {
    const HelperJob& job = jobs[i];
    if (!job.stream) {
      s.jobs.push_back(job);
      file_jobs++;
      if (job.lane == -1 && job.run_batch != nullptr) batchable++;
      continue;
    }
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
      refused.push_back(job);
      continue;
    }
    s.stream_threads++;
    s.busy_lanes.emplace_back(owner, lane);
    s.jobs.push_back(job);
  }
  // One shared thread per queued job that no sleeping thread will take, up to
  // the cap: a job that blocks long never holds back the ones behind it.
  s.file_jobs += static_cast<unsigned>(file_jobs);
  while (s.file_jobs > s.waiting && s.threads < max_threads()) {
    if (!spawn_quiet_thread([this] { worker(false, nullptr, -1); })) break;
    s.threads++;
    s.waiting++;  // counts as a sleeper until it runs (it takes a job at once)
  }
  // One sleeper woken per job, or per batch that one thread will take whole:
  // a woken thread that finds nothing left costs two context switches.
  const size_t wake = file_jobs - batchable + (batchable + kParallelBatch - 1) / kParallelBatch;
  if (wake >= s.waiting)
    s.work.notify_all();
  else
    for (size_t i = 0; i < wake; i++) s.work.notify_one();
  return refused;
}

// Called with the lock held: takes the first job this thread may run (a
// stream thread: its own lane's; a shared thread: a file job whose lane is
// free), and the lane's queued jobs right behind it when they can run as one
// batch.
bool HelperPool::next_job(std::vector<HelperJob>* out, bool stream_lane, void* owner, int lane) {
  PoolState& s = state();
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
    if (!stream_lane && s.file_jobs > 0 && s.waiting > 0) s.work.notify_one();
    count_running(s, first.owner, +1);
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
      s.waiting++;
      s.work.wait(lock);
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
      s.work.notify_all();  // the next job of this lane may be waiting
    }
    count_running(s, job.owner, -1);
    s.idle.notify_all();
  }
}

int HelperPool::cancel(void* owner, uint32_t slot) {
  PoolState& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
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
