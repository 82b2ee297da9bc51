// posix_fadvise, for tests and the benchmark: DONTNEED evicts a file's clean
// pages so that "uncached" means uncached, without touching the whole system.
#include <fcntl.h>

#include "errors.h"
#include "functions.h"

namespace laio {

// fadvise(fd, offset, length, advice): advice is a POSIX_FADV_* number.
Napi::Value fadvise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  off_t offset = static_cast<off_t>(info[1].As<Napi::Number>().Int64Value());
  off_t length = static_cast<off_t>(info[2].As<Napi::Number>().Int64Value());
  int advice = info[3].As<Napi::Number>().Int32Value();
  int r = posix_fadvise(fd, offset, length, advice);  // returns the error, not -1
  if (r != 0) errno_error(env, -r, "posix_fadvise").ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace laio
