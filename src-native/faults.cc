#include "faults.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace laio {
namespace {

struct Rule {
  bool active = false;
  int action = 0;       // negative errno or kFault*
  long nth = 0;         // fail only call number nth (1-based), 0 = unused
  long every = 0;       // fail every k-th call, 0 = unused
  std::atomic<long> calls{0};
};

Rule g_rules[static_cast<int>(FaultPoint::Count)];
std::atomic<bool> g_enabled{false};

struct Name {
  const char* name;
  int value;
};

const Name kPoints[] = {{"io_setup", static_cast<int>(FaultPoint::IoSetup)},
                        {"io_submit", static_cast<int>(FaultPoint::IoSubmit)},
                        {"io_getevents", static_cast<int>(FaultPoint::IoGetevents)},
                        {"eventfd_read", static_cast<int>(FaultPoint::EventfdRead)},
                        {"ring", static_cast<int>(FaultPoint::Ring)},
                        {"helper_take", static_cast<int>(FaultPoint::HelperTake)}};

const Name kActions[] = {{"EAGAIN", -EAGAIN}, {"EINTR", -EINTR},   {"ENOSYS", -ENOSYS},
                         {"EPERM", -EPERM},   {"EIO", -EIO},       {"ENOMEM", -ENOMEM},
                         {"EINVAL", -EINVAL}, {"EBADF", -EBADF},   {"partial", kFaultPartial},
                         {"off", kFaultOff},   {"stall", kFaultStall},
                         {"sleep", kFaultSleep}};

int lookup(const Name* table, size_t n, const std::string& s, int fallback) {
  for (size_t i = 0; i < n; i++)
    if (s == table[i].name) return table[i].value;
  return fallback;
}

void parse_rule(const std::string& rule) {
  size_t eq = rule.find('=');
  if (eq == std::string::npos) return;
  int point = lookup(kPoints, sizeof(kPoints) / sizeof(kPoints[0]), rule.substr(0, eq), -1);
  if (point < 0) return;
  std::string rest = rule.substr(eq + 1);
  size_t mark = rest.find_first_of("@%");
  int action = lookup(kActions, sizeof(kActions) / sizeof(kActions[0]), rest.substr(0, mark), 0);
  if (action == 0) return;
  Rule& r = g_rules[point];
  r.action = action;
  if (mark != std::string::npos) {
    long n = std::strtol(rest.c_str() + mark + 1, nullptr, 10);
    if (n <= 0) return;
    (rest[mark] == '@' ? r.nth : r.every) = n;
  }
  r.active = true;
  g_enabled = true;
}

}  // namespace

void faults_init() {
  static std::atomic<bool> done{false};
  if (done.exchange(true)) return;
  const char* spec = std::getenv("LINUX_AIO_FAULTS");
  if (spec == nullptr) return;
  std::string s(spec);
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    parse_rule(s.substr(start, comma - start));
    start = comma + 1;
  }
}

bool faults_enabled() { return g_enabled.load(std::memory_order_relaxed); }

int fault_hit(FaultPoint point) {
  if (!g_enabled.load(std::memory_order_relaxed)) return 0;
  Rule& r = g_rules[static_cast<int>(point)];
  if (!r.active) return 0;
  long call = ++r.calls;
  if (r.nth != 0) return call == r.nth ? r.action : 0;
  if (r.every != 0) return call % r.every == 0 ? r.action : 0;
  return r.action;
}

}  // namespace laio
