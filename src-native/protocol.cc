// protocol.h as JavaScript sees it: lib/native.ts reads every index, status,
// counter name and limit from this object instead of restating them.
#include <napi.h>

#include "functions.h"
#include "latency_hist.h"
#include "protocol.h"

namespace laio {

Napi::Object protocol(Napi::Env env) {
  Napi::Object p = Napi::Object::New(env);
  Napi::Object sq = Napi::Object::New(env);
  sq.Set("slot", static_cast<int>(kSqSlot));
  sq.Set("op", static_cast<int>(kSqOp));
  sq.Set("fd", static_cast<int>(kSqFd));
  sq.Set("posLo", static_cast<int>(kSqPosLo));
  sq.Set("posHi", static_cast<int>(kSqPosHi));
  sq.Set("rwFlags", static_cast<int>(kSqRwFlags));
  sq.Set("flags", static_cast<int>(kSqFlags));
  sq.Set("status", static_cast<int>(kSqStatus));
  sq.Set("lenLo", static_cast<int>(kSqLenLo));
  sq.Set("lenHi", static_cast<int>(kSqLenHi));
  sq.Set("fileLo", static_cast<int>(kSqFileLo));
  sq.Set("fileHi", static_cast<int>(kSqFileHi));
  sq.Set("stride", static_cast<int>(kSqStride));
  p.Set("sq", sq);
  p.Set("cqStride", kCqStride);
  Napi::Object ops = Napi::Object::New(env);
  ops.Set("read", static_cast<int>(kRead));
  ops.Set("write", static_cast<int>(kWrite));
  ops.Set("readv", static_cast<int>(kReadv));
  ops.Set("writev", static_cast<int>(kWritev));
  ops.Set("fsync", static_cast<int>(kFsync));
  ops.Set("fdsync", static_cast<int>(kFdsync));
  p.Set("ops", ops);
  Napi::Object status = Napi::Object::New(env);
  status.Set("inFlight", kStatusInFlight);
  status.Set("requeue", kStatusRequeue);
  status.Set("copyOut", kStatusCopyOut);
  p.Set("status", status);
  p.Set("flagUserNowait", kFlagUserNowait);
  static const char* const names[kCounterCount] = {"submitted", "completed", "submitCalls", "userReaps",
                                                   "geteventsCalls", "requeued", "fallbacks", "copied"};
  Napi::Array counters = Napi::Array::New(env, kCounterCount);
  for (uint32_t i = 0; i < kCounterCount; i++) counters.Set(i, names[i]);
  p.Set("counters", counters);
  p.Set("maxDepth", kMaxDepth);
  p.Set("maxIov", kMaxIov);
  p.Set("latencyBuckets", kLatencyBuckets);
  return p;
}

}  // namespace laio
