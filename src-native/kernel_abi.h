// The kernel AIO system calls, made directly through syscall(2) with the ABI
// of <linux/aio_abi.h>, so that no libaio has to be installed. Each wrapper
// returns a count or a negative errno (never touches errno for the caller),
// and each passes through its fault-injection point.
#pragma once

#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "faults.h"

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif
#ifndef RWF_APPEND
#define RWF_APPEND 0x00000010
#endif

namespace laio {

inline long sys_result(long r) { return r < 0 ? -errno : r; }

inline int io_setup(unsigned nr, aio_context_t* ctx) {
  int f = fault_hit(FaultPoint::IoSetup);
  if (f < 0 && f > kFaultPartial) return f;
  return static_cast<int>(sys_result(syscall(SYS_io_setup, nr, ctx)));
}

inline int io_destroy(aio_context_t ctx) {
  return static_cast<int>(sys_result(syscall(SYS_io_destroy, ctx)));
}

inline long io_submit(aio_context_t ctx, long nr, struct iocb** iocbs) {
  int f = fault_hit(FaultPoint::IoSubmit);
  if (f == kFaultPartial && nr > 1) nr /= 2;
  else if (f == kFaultSleep) usleep(2000);
  else if (f < 0 && f > kFaultPartial) return f;
  return sys_result(syscall(SYS_io_submit, ctx, nr, iocbs));
}

inline long io_getevents(aio_context_t ctx, long min_nr, long nr, struct io_event* events,
                         struct timespec* timeout) {
  int f = fault_hit(FaultPoint::IoGetevents);
  if (f < 0 && f > kFaultPartial) return f;
  return sys_result(syscall(SYS_io_getevents, ctx, min_nr, nr, events, timeout));
}

}  // namespace laio
