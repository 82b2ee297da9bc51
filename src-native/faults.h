// Test-only fault injection. Off unless LINUX_AIO_FAULTS names rules, e.g.
//   LINUX_AIO_FAULTS="io_submit=EAGAIN%3,io_getevents=EINTR@2,ring=off"
// Each rule is point=action[@N|%K]: fail only the Nth call, or every Kth call,
// or (neither) every call. Actions are errno names, or "partial" for io_submit
// (take only half of the batch), "off" for ring (always use io_getevents), or
// "stall" for helper_take (the helper that takes a job holds the pool's lock
// for 600 ms, as one preempted there would), "sleep" for io_submit (the call
// sleeps 2 ms first, as one waiting for a free disk request tag would). The
// io_submit point is every call through kernel_abi.h: the helpers' blocking
// submissions count in @N and %K too.
#pragma once

namespace laio {

enum class FaultPoint { IoSetup, IoSubmit, IoGetevents, EventfdRead, Ring, HelperTake, Count };

constexpr int kFaultPartial = -100000;  // io_submit: submit a prefix only
constexpr int kFaultOff = -100001;      // ring: never read it from user space
constexpr int kFaultStall = -100002;    // helper_take: hold the pool's lock a while
constexpr int kFaultSleep = -100003;    // io_submit: sleep before the call

// Parses the environment once; cheap and thread-safe afterwards.
void faults_init();
// True when any rule is active (lets the JS side report it).
bool faults_enabled();
// 0 when this call proceeds normally; otherwise a negative errno or one of
// the kFault* actions for the caller to apply.
int fault_hit(FaultPoint point);

}  // namespace laio
