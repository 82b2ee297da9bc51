#include "errors.h"

#include <uv.h>

#include <string>

namespace laio {

Napi::Error errno_error(Napi::Env env, int err, const char* syscall) {
  std::string msg = std::string(uv_err_name(err)) + ": " + uv_strerror(err) + ", " + syscall;
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("code", Napi::String::New(env, uv_err_name(err)));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

}  // namespace laio
