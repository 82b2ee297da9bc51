// Module entry. Context-aware: each environment (main thread or worker) gets
// its own instance data, and every queue registers an async cleanup hook that
// closes it when that environment goes away.
#include <napi.h>

#include "faults.h"
#include "functions.h"
#include "native_queue.h"

namespace laio {

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    faults_init();
    DefineAddon(exports, {
        InstanceValue("NativeQueue", NativeQueue::define(env)),
        InstanceValue("faultsEnabled", Napi::Boolean::New(env, faults_enabled())),
        InstanceValue("protocol", protocol(env)),
        InstanceMethod<&Addon::alignOffset>("alignOffset"),
        InstanceMethod<&Addon::allocBlock>("allocBlock"),
        InstanceMethod<&Addon::fileId>("fileId"),
        InstanceMethod<&Addon::dioAlign>("dioAlign"),
        InstanceMethod<&Addon::sigqueue>("sigqueue"),
        InstanceMethod<&Addon::fadvise>("fadvise"),
    });
  }

 private:
  Napi::Value alignOffset(const Napi::CallbackInfo& info) { return align_offset(info); }
  Napi::Value allocBlock(const Napi::CallbackInfo& info) { return alloc_block(info); }
  Napi::Value fileId(const Napi::CallbackInfo& info) { return file_id(info); }
  Napi::Value dioAlign(const Napi::CallbackInfo& info) { return dio_align(info); }
  Napi::Value sigqueue(const Napi::CallbackInfo& info) { return queue_signal(info); }
  Napi::Value fadvise(const Napi::CallbackInfo& info) { return laio::fadvise(info); }
};

}  // namespace laio

using laio::Addon;
NODE_API_ADDON(Addon)
