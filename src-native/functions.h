// Module-level functions exported beside NativeQueue.
#pragma once

#include <napi.h>

namespace laio {

Napi::Value align_offset(const Napi::CallbackInfo& info);
Napi::Value alloc_block(const Napi::CallbackInfo& info);
Napi::Value file_id(const Napi::CallbackInfo& info);
Napi::Object protocol(Napi::Env env);
Napi::Value dio_align(const Napi::CallbackInfo& info);
Napi::Value queue_signal(const Napi::CallbackInfo& info);
Napi::Value fadvise(const Napi::CallbackInfo& info);

}  // namespace laio
