// Errors shaped like Node's system errors: code, errno (negative), syscall.
#pragma once

#include <napi.h>

namespace laio {

// err is a negative errno (or libuv error, which is the same on Linux).
Napi::Error errno_error(Napi::Env env, int err, const char* syscall);

}  // namespace laio
