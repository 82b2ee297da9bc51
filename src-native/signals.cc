// SIGEV_SIGNAL for the POSIX layer: a real queued signal to this process.
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "errors.h"
#include "functions.h"

namespace laio {

// sigqueue(signo, value): queues signo with si_value.sival_int = value.
Napi::Value queue_signal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int signo = info[0].As<Napi::Number>().Int32Value();
  union sigval value;
  value.sival_int = info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
  if (sigqueue(getpid(), signo, value) < 0)
    errno_error(env, -errno, "sigqueue").ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace laio
