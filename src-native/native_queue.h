// The JavaScript face of a Queue: `new NativeQueue(depth, sq, cq, onComplete,
// allowThreadpool)`. lib/context.ts is its only user.
#pragma once

#include <napi.h>

#include "queue.h"

namespace laio {

class NativeQueue : public Napi::ObjectWrap<NativeQueue>, public Sink {
 public:
  static Napi::Function define(Napi::Env env);
  explicit NativeQueue(const Napi::CallbackInfo& info);
  ~NativeQueue() override;

 private:
  Napi::Value submit(const Napi::CallbackInfo& info);
  Napi::Value wait_sync(const Napi::CallbackInfo& info);
  Napi::Value counters(const Napi::CallbackInfo& info);
  Napi::Value timings(const Napi::CallbackInfo& info);
  Napi::Value destroy(const Napi::CallbackInfo& info);
  Napi::Value backend(const Napi::CallbackInfo& info);
  Napi::Value copy_out(const Napi::CallbackInfo& info);
  Napi::Value cancel(const Napi::CallbackInfo& info);
  Napi::Value interrupt(const Napi::CallbackInfo& info);
  Napi::Value stop_streams(const Napi::CallbackInfo& info);

  void deliver(unsigned n) override;
  void set_busy(bool busy) override;
  void queue_gone() override;

  Queue* queue_ = nullptr;
  bool busy_ = false;
  bool closing_ = false;                // destroy() called
  Napi::FunctionReference on_closed_;  // destroy()'s callback
  Napi::Reference<Napi::Int32Array> sq_ref_;
  Napi::Reference<Napi::Int32Array> cq_ref_;
  int32_t* sq_ = nullptr;
  size_t sq_entries_ = 0;
  Napi::FunctionReference on_complete_;  // weak while idle, strong while busy
  Napi::AsyncContext* async_ = nullptr;
  EntryViews views_;  // scratch for submit() and copyOut(), capacity kept
};

}  // namespace laio
