// Module-level functions exported beside NativeQueue.
#pragma once

#include <napi.h>

namespace laio {

Napi::Value align_offset(const Napi::CallbackInfo& info);
Napi::Value dio_align(const Napi::CallbackInfo& info);
Napi::Value queue_signal(const Napi::CallbackInfo& info);
Napi::Value fadvise(const Napi::CallbackInfo& info);

}  // namespace laio
