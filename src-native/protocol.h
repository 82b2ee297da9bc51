// The layout shared with lib/native.ts: request descriptors that JavaScript
// writes into an Int32Array before one submit() call, and the completion pairs
// native code writes back before one onComplete(n) call. Keep both in sync.
#pragma once

#include <cstdint>

namespace laio {

enum Op : int32_t { kRead = 0, kWrite = 1, kReadv = 2, kWritev = 3, kFsync = 4, kFdsync = 5 };

// One submission entry is kSqStride int32 values.
enum SqField : int {
  kSqSlot = 0,     // request slot, 0..depth-1, owned by JS until completion
  kSqOp = 1,       // Op
  kSqFd = 2,       // file descriptor
  kSqPosLo = 3,    // position, low 32 bits
  kSqPosHi = 4,    // position, high 32 bits
  kSqRwFlags = 5,  // RWF_* the caller asked for
  kSqFlags = 6,    // kFlag* below
  kSqStatus = 7,   // written back: kStatus* or a negative errno from io_submit
  kSqLenLo = 8,    // bytes the call named (all views together), low 32 bits
  kSqLenHi = 9,    // ... high 32 bits
  kSqFileLo = 10,  // identity of the file the fd named at the call (fileId), low
  kSqFileHi = 11,  // ... high; 0 and 0: not checked
  kSqStride = 12,
};

constexpr int32_t kFlagUserNowait = 1;  // caller set nowait: no fallback

constexpr int32_t kStatusInFlight = 0;  // a completion will follow
constexpr int32_t kStatusRequeue = 1;   // ring full: queue it again, in order
constexpr int32_t kStatusCopyOut = 2;   // in flight, reading into scratch: copyOut() at completion

// A completion is two int32: slot, result (bytes, or -errno).
constexpr int kCqStride = 2;

constexpr unsigned kMaxDepth = 65536;
constexpr uint32_t kMaxIov = 1024;  // UIO_MAXIOV

enum Counter : int {
  kSubmitted,
  kCompleted,
  kSubmitCalls,
  kUserReaps,
  kGeteventsCalls,
  kRequeued,
  kFallbacks,
  kCopied,
  kCounterCount,
};

}  // namespace laio
