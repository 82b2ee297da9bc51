#include "native_queue.h"

#include "errors.h"

namespace laio {
namespace {

// A view's memory and length as V8 holds them right now (internal fields,
// never a getter): empty once its ArrayBuffer is detached or shrunk below it.
bool view_memory(napi_env env, napi_value v, void** data, size_t* len) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t count = 0;
    if (napi_get_typedarray_info(env, v, &type, &count, data, nullptr, nullptr) != napi_ok)
      return false;
    size_t width = 1;
    switch (type) {
      case napi_int16_array:
      case napi_uint16_array: width = 2; break;
      case napi_int32_array:
      case napi_uint32_array:
      case napi_float32_array: width = 4; break;
      case napi_float64_array:
      case napi_bigint64_array:
      case napi_biguint64_array: width = 8; break;
      default: break;
    }
    *len = count * width;
    return true;
  }
  if (napi_is_dataview(env, v, &is) == napi_ok && is)
    return napi_get_dataview_info(env, v, len, data, nullptr, nullptr) == napi_ok;
  return false;
}

Napi::Int32Array int32_array(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array
             ? v.As<Napi::Int32Array>()
             : Napi::Int32Array();
}

}  // namespace

Napi::Function NativeQueue::define(Napi::Env env) {
  return DefineClass(env, "NativeQueue",
                     {
                         InstanceMethod<&NativeQueue::submit>("submit"),
                         InstanceMethod<&NativeQueue::copy_out>("copyOut"),
                         InstanceMethod<&NativeQueue::cancel>("cancel"),
                         InstanceMethod<&NativeQueue::interrupt>("interrupt"),
                         InstanceMethod<&NativeQueue::stop_streams>("stopStreams"),
                         InstanceMethod<&NativeQueue::wait_sync>("waitSync"),
                         InstanceMethod<&NativeQueue::counters>("counters"),
                         InstanceMethod<&NativeQueue::timings>("timings"),
                         InstanceMethod<&NativeQueue::destroy>("destroy"),
                         InstanceAccessor<&NativeQueue::backend>("backend"),
                     });
}

NativeQueue::NativeQueue(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeQueue>(info) {
  Napi::Env env = info.Env();
  unsigned depth = info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 0;
  Napi::Int32Array sq = int32_array(info[1]);
  Napi::Int32Array cq = int32_array(info[2]);
  if (depth == 0 || depth > kMaxDepth || sq.IsEmpty() || cq.IsEmpty() || !info[3].IsFunction() ||
      cq.ElementLength() < size_t{depth} * kCqStride || sq.ElementLength() < kSqStride) {
    Napi::TypeError::New(env, "NativeQueue: bad arguments").ThrowAsJavaScriptException();
    return;
  }
  sq_ref_ = Napi::Persistent(sq);
  cq_ref_ = Napi::Persistent(cq);
  sq_ = sq.Data();
  sq_entries_ = sq.ElementLength() / kSqStride;
  on_complete_ = Napi::Weak(info[3].As<Napi::Function>());
  async_ = new Napi::AsyncContext(env, "linux-aio");
  bool allow_threadpool = info[4].ToBoolean().Value();
  int r = Queue::create(env, depth, allow_threadpool, cq.Data(), this, &queue_);
  if (r < 0) {
    queue_ = nullptr;
    errno_error(env, r, "io_setup").ThrowAsJavaScriptException();
  }
}

NativeQueue::~NativeQueue() {
  if (queue_ != nullptr) {
    // Collected while idle: destroy the kernel context off the loop, without
    // holding the process open for it.
    queue_->detach_sink();
    queue_->shutdown(true, false);
  }
  delete async_;
}

// Appends the memory of one entry's views (a view, or an array of views for
// readv/writev) to out.parts; false when they are not views.
static bool resolve_views(napi_env env, napi_value v, int32_t op, EntryViews* out) {
  struct iovec part;
  size_t len = 0;
  if (op == kRead || op == kWrite) {
    if (!view_memory(env, v, &part.iov_base, &len)) return false;
    part.iov_len = len;
    out->parts.push_back(part);
    return true;
  }
  if (op != kReadv && op != kWritev) return true;
  // The engine's own array, made at the call: no getters run here.
  bool is_array = false;
  uint32_t count = 0;
  if (napi_is_array(env, v, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, v, &count) != napi_ok || count > kMaxIov)
    return false;
  for (uint32_t k = 0; k < count; k++) {
    napi_value item;
    if (napi_get_element(env, v, k, &item) != napi_ok || !view_memory(env, item, &part.iov_base, &len))
      return false;
    part.iov_len = len;
    out->parts.push_back(part);
  }
  return true;
}

Napi::Value NativeQueue::submit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t n = info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 0;
  if (queue_ == nullptr || closing_ || !info[1].IsArray() || n > sq_entries_ ||
      n > info[1].As<Napi::Array>().Length()) {
    Napi::TypeError::New(env, "NativeQueue.submit: bad arguments or closed")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // Every view is resolved to (address, length) before the core runs.
  views_.parts.clear();
  views_.first.resize(n + 1);
  views_.error.assign(n, 0);
  napi_value bufs = info[1];
  for (uint32_t i = 0; i < n; i++) {
    views_.first[i] = static_cast<uint32_t>(views_.parts.size());
    napi_value v;
    if (napi_get_element(env, bufs, i, &v) != napi_ok ||
        !resolve_views(env, v, sq_[i * kSqStride + kSqOp], &views_)) {
      views_.parts.resize(views_.first[i]);
      views_.error[i] = -EINVAL;
    }
  }
  views_.first[n] = static_cast<uint32_t>(views_.parts.size());
  if (!queue_->submit(sq_, n, views_))
    Napi::Error::New(env, "NativeQueue.submit: slot not free").ThrowAsJavaScriptException();
  return env.Undefined();
}

// copyOut(slot, res, views): after a kStatusCopyOut read completed with res
// bytes, copies them into its views as they are now. Returns res, or -EFAULT
// when the views were detached or shrunk meanwhile (nothing is copied).
Napi::Value NativeQueue::copy_out(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (queue_ == nullptr || !info[0].IsNumber() || !info[1].IsNumber())
    return Napi::Number::New(env, -EINVAL);
  uint32_t slot = info[0].As<Napi::Number>().Uint32Value();
  int32_t res = info[1].As<Napi::Number>().Int32Value();
  views_.parts.clear();
  // Only a read's views get here: one view, or an array of them.
  int32_t op = info[2].IsArray() ? kReadv : kRead;
  if (!resolve_views(env, info[2], op, &views_)) return Napi::Number::New(env, -EFAULT);
  int64_t r = queue_->copy_out(slot, res, views_.parts.data(), static_cast<unsigned>(views_.parts.size()));
  return Napi::Number::New(env, static_cast<double>(r));
}

// cancel(slot): true when the request had not started on its helper (it waited
// behind another on its fd) and is taken back; its slot is free again.
Napi::Value NativeQueue::cancel(const Napi::CallbackInfo& info) {
  bool done = queue_ != nullptr && !closing_ && info[0].IsNumber() &&
              queue_->cancel(info[0].As<Napi::Number>().Uint32Value());
  return Napi::Boolean::New(info.Env(), done);
}

// interrupt(slot): wakes the slot's stream request if it waits for readiness;
// it then completes with ECANCELED (or what it moved already).
Napi::Value NativeQueue::interrupt(const Napi::CallbackInfo& info) {
  bool done = queue_ != nullptr && !closing_ && info[0].IsNumber() &&
              queue_->interrupt(info[0].As<Napi::Number>().Uint32Value());
  return Napi::Boolean::New(info.Env(), done);
}

// stopStreams(): close() began; stream requests that would wait give up.
Napi::Value NativeQueue::stop_streams(const Napi::CallbackInfo& info) {
  if (queue_ != nullptr && !closing_) queue_->stop_streams();
  return info.Env().Undefined();
}

Napi::Value NativeQueue::wait_sync(const Napi::CallbackInfo& info) {
  if (queue_ == nullptr || closing_) return Napi::Number::New(info.Env(), 0);
  return Napi::Number::New(info.Env(), queue_->wait_sync());
}

// timings(out): the device-stage latency counts (latency_hist.h) into a Float64Array.
Napi::Value NativeQueue::timings(const Napi::CallbackInfo& info) {
  if (queue_ != nullptr && info[0].IsTypedArray() &&
      info[0].As<Napi::TypedArray>().TypedArrayType() == napi_float64_array &&
      info[0].As<Napi::Float64Array>().ElementLength() >= kLatencyBuckets) {
    double* out = info[0].As<Napi::Float64Array>().Data();
    const auto& counts = queue_->device_latency().counts;
    for (unsigned i = 0; i < kLatencyBuckets; i++) out[i] = counts[i];
  }
  return info.Env().Undefined();
}

Napi::Value NativeQueue::counters(const Napi::CallbackInfo& info) {
  if (queue_ != nullptr && info[0].IsTypedArray() &&
      info[0].As<Napi::TypedArray>().TypedArrayType() == napi_float64_array &&
      info[0].As<Napi::Float64Array>().ElementLength() >= kCounterCount)
    queue_->read_counters(info[0].As<Napi::Float64Array>().Data());
  return info.Env().Undefined();
}

// destroy(done?): true when the queue is gone already; otherwise done() is
// called from the loop once the background io_destroy has finished.
Napi::Value NativeQueue::destroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (queue_ == nullptr || closing_) return Napi::Boolean::New(env, queue_ == nullptr);
  closing_ = true;
  if (info[0].IsFunction()) on_closed_ = Napi::Persistent(info[0].As<Napi::Function>());
  queue_->shutdown(info[0].IsFunction(), true);
  bool gone = queue_ == nullptr;  // queue_gone() ran already
  if (gone) on_closed_.Reset();
  return Napi::Boolean::New(env, gone);
}

Napi::Value NativeQueue::backend(const Napi::CallbackInfo& info) {
  if (queue_ == nullptr) return info.Env().Null();
  return Napi::String::New(info.Env(),
                           queue_->backend() == Queue::Backend::Kernel ? "kernel" : "threadpool");
}

void NativeQueue::deliver(unsigned n) {
  napi_env env = Env();
  Napi::HandleScope scope(Env());
  napi_value fn = nullptr, recv = Value(), arg = nullptr, result = nullptr;
  if (on_complete_.IsEmpty() || napi_get_reference_value(env, on_complete_, &fn) != napi_ok ||
      fn == nullptr || napi_create_uint32(env, n, &arg) != napi_ok)
    return;  // the environment is being torn down
  napi_status status = napi_make_callback(env, *async_, recv, fn, 1, &arg, &result);
  bool pending = false;
  if (status != napi_ok && napi_is_exception_pending(env, &pending) == napi_ok && pending) {
    // No JavaScript frame is below a libuv callback: report it as uncaught.
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
  }
  // Any other failure means JS can no longer run here (a worker being
  // terminated); the queue is shut down by the environment's cleanup hook.
}

void NativeQueue::set_busy(bool busy) {
  if (busy == busy_) return;
  busy_ = busy;
  // While requests are in flight the JS context (and through it every buffer)
  // stays reachable even if the caller dropped it.
  if (busy)
    on_complete_.Ref();
  else
    on_complete_.Unref();
}

void NativeQueue::queue_gone() {
  queue_ = nullptr;
  set_busy(false);
  if (on_closed_.IsEmpty()) return;
  napi_env env = Env();
  Napi::HandleScope scope(Env());
  napi_value fn = on_closed_.Value(), result = nullptr;
  on_closed_.Reset();
  // Fails quietly when JS can no longer run (the environment is going away).
  if (napi_make_callback(env, *async_, Value(), fn, 0, nullptr, &result) != napi_ok) {
    bool pending = false;
    napi_value error;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
        napi_get_and_clear_last_exception(env, &error) == napi_ok)
      napi_fatal_exception(env, error);
  }
}

}  // namespace laio
