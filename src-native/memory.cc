// Aligned buffers and O_DIRECT alignment.
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/stat.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>

#include "errors.h"
#include "file_id.h"
#include "functions.h"
#include "owned_memory.h"

namespace laio {
namespace {

// The logical block size of the device under a file, from sysfs (a partition's
// queue lives in its parent's directory), or 0 when unknown.
unsigned sysfs_block_size(dev_t dev) {
  const char* forms[] = {"/sys/dev/block/%u:%u/queue/logical_block_size",
                         "/sys/dev/block/%u:%u/../queue/logical_block_size"};
  for (const char* form : forms) {
    char path[96];
    std::snprintf(path, sizeof path, form, major(dev), minor(dev));
    FILE* f = std::fopen(path, "re");
    if (f == nullptr) continue;
    unsigned size = 0;
    int got = std::fscanf(f, "%u", &size);
    std::fclose(f);
    if (got == 1 && size > 0) return size;
  }
  return 0;
}

}  // namespace

// alignOffset(arrayBuffer, alignment): bytes to skip from the start of the
// buffer's memory to reach a multiple of alignment.
Napi::Value align_offset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "alignOffset(arrayBuffer, alignment)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uint32_t alignment = info[1].As<Napi::Number>().Uint32Value();
  auto address = reinterpret_cast<uintptr_t>(info[0].As<Napi::ArrayBuffer>().Data());
  uint32_t skip = alignment == 0 ? 0 : static_cast<uint32_t>((alignment - address % alignment) % alignment);
  return Napi::Number::New(env, skip);
}

// allocBlock(size, alignment): a zeroed ArrayBuffer over package-owned memory
// (owned_memory.h), which requests use without copying and which stays valid
// while any request uses it. null where external ArrayBuffers are not allowed.
Napi::Value alloc_block(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "allocBlock(size, alignment)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const double size = info[0].As<Napi::Number>().DoubleValue();
  const uint32_t alignment = info[1].As<Napi::Number>().Uint32Value();
  Block* b = block_new(static_cast<size_t>(size), alignment, true);
  if (b == nullptr) {
    errno_error(env, -ENOMEM, size >= kHugeBlock ? "mmap" : "posix_memalign").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  napi_value ab;
  napi_status st = napi_create_external_arraybuffer(
      env, b->base, b->size, [](napi_env, void*, void* hint) { block_unref(static_cast<Block*>(hint)); }, b, &ab);
  if (st != napi_ok) {
    block_unref(b);
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
    }
    return env.Null();
  }
  return Napi::Value(env, ab);
}

// fileId(fd, out): the identity of the file fd names (file_id.h), written to
// out[0] (low) and out[1] (high).
Napi::Value file_id(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t id = info[0].IsNumber() ? fd_file_id(info[0].As<Napi::Number>().Int32Value()) : kNoFile;
  if (info[1].IsTypedArray() && info[1].As<Napi::TypedArray>().TypedArrayType() == napi_int32_array &&
      info[1].As<Napi::Int32Array>().ElementLength() >= 2) {
    int32_t* out = info[1].As<Napi::Int32Array>().Data();
    out[0] = static_cast<int32_t>(static_cast<uint32_t>(id));
    out[1] = static_cast<int32_t>(static_cast<uint32_t>(id >> 32));
  }
  return env.Undefined();
}

// dioAlign(fd): [memory, offset] alignment for O_DIRECT on this file.
Napi::Value dio_align(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct stat st;
  if (fstat(fd, &st) < 0) {
    errno_error(env, -errno, "fstat").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  unsigned memory = 0, offset = 0;
  bool known = false;
#ifdef STATX_DIOALIGN
  struct statx sx;
  if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
      (sx.stx_mask & STATX_DIOALIGN)) {
    memory = sx.stx_dio_mem_align;  // 0 and 0: this file cannot do O_DIRECT
    offset = sx.stx_dio_offset_align;
    known = true;
  }
#endif
  if (!known) {
    int size = 0;
    if (S_ISBLK(st.st_mode) && ioctl(fd, BLKSSZGET, &size) == 0 && size > 0)
      memory = offset = static_cast<unsigned>(size);
    else
      memory = offset = sysfs_block_size(st.st_dev);
    if (memory == 0) memory = offset = 512;
  }
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, memory));
  out.Set(1u, Napi::Number::New(env, offset));
  return out;
}

}  // namespace laio
