// The Node half of `npm run floor` (run.js builds it): the thinnest addon that
// makes the engine's system calls at depth 1. read(fd, buffer, position) makes
// a statx and an io_submit (IOCB_FLAG_RESFD, RWF_NOWAIT) and returns a promise;
// a uv_poll on the eventfd reads it, takes the completion from the ring, and
// settles the promise inside a callback scope, whose close runs the
// microtasks, as the engine's napi_make_callback does. No validation, one
// request at a time: what Node itself costs a promise-based read, and no more.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

struct aio_ring {
  unsigned id, nr, head, tail, magic, compat_features, incompat_features, header_length;
  struct io_event io_events[];
};

static aio_context_t ctx;
static int efd = -1;
static uv_poll_t poll_handle;
static napi_env main_env;
static napi_deferred pending;  // the one request in flight
static napi_ref resource;
static napi_async_context async_context;
static struct iocb cb;

static void on_poll(uv_poll_t* handle, int status, int events) {
  (void)handle;
  (void)status;
  (void)events;
  uint64_t count;
  if (read(efd, &count, sizeof count) != sizeof count) return;
  struct aio_ring* ring = (struct aio_ring*)ctx;
  unsigned head = ring->head, tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
  if (head == tail || pending == NULL) return;
  long res = (long)ring->io_events[head].res;
  __atomic_store_n(&ring->head, (head + 1) % ring->nr, __ATOMIC_RELEASE);
  if (res == -EAGAIN && (cb.aio_rw_flags & RWF_NOWAIT) != 0) {
    // RWF_NOWAIT refused it: the engine re-issues it blocking, on a helper;
    // here, at once, without the flag (its completion comes back here).
    struct iocb* p = &cb;
    cb.aio_rw_flags = 0;
    if (syscall(SYS_io_submit, ctx, 1, &p) == 1) return;
    res = -errno;
  }
  uv_unref((uv_handle_t*)&poll_handle);
  napi_env env = main_env;
  napi_handle_scope handles;
  napi_open_handle_scope(env, &handles);
  napi_value target, value;
  napi_get_reference_value(env, resource, &target);
  napi_callback_scope scope;
  napi_open_callback_scope(env, target, async_context, &scope);
  napi_deferred d = pending;
  pending = NULL;
  if (res >= 0) {
    napi_create_int64(env, res, &value);
    napi_resolve_deferred(env, d, value);
  } else {
    napi_value message;
    napi_create_string_utf8(env, strerror((int)-res), NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &value);
    napi_reject_deferred(env, d, value);
  }
  napi_close_callback_scope(env, scope);
  napi_close_handle_scope(env, handles);
}

static napi_value fail(napi_env env, const char* message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

static napi_value Read(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  int32_t fd;
  void* data;
  size_t length;
  int64_t position;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 3 ||
      napi_get_value_int32(env, args[0], &fd) != napi_ok ||
      napi_get_buffer_info(env, args[1], &data, &length) != napi_ok ||
      napi_get_value_int64(env, args[2], &position) != napi_ok)
    return fail(env, "read(fd, buffer, position)");
  if (pending != NULL) return fail(env, "one request at a time");
  struct statx sx;
  syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_BTIME, &sx);
  memset(&cb, 0, sizeof cb);
  cb.aio_lio_opcode = IOCB_CMD_PREAD;
  cb.aio_fildes = (uint32_t)fd;
  cb.aio_buf = (uintptr_t)data;
  cb.aio_nbytes = length;
  cb.aio_offset = position;
  cb.aio_flags = IOCB_FLAG_RESFD;
  cb.aio_resfd = (uint32_t)efd;
  cb.aio_rw_flags = RWF_NOWAIT;
  struct iocb* p = &cb;
  if (syscall(SYS_io_submit, ctx, 1, &p) != 1) return fail(env, "io_submit failed");
  napi_value promise;
  napi_create_promise(env, &pending, &promise);
  uv_ref((uv_handle_t*)&poll_handle);  // the loop lives while a request is in flight
  return promise;
}

NAPI_MODULE_INIT() {
  main_env = env;
  uv_loop_t* loop;
  if (syscall(SYS_io_setup, 128, &ctx) != 0) return fail(env, "io_setup failed");
  efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0 || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &poll_handle, efd) != 0 ||
      uv_poll_start(&poll_handle, UV_READABLE, on_poll) != 0)
    return fail(env, "eventfd or uv_poll failed");
  uv_unref((uv_handle_t*)&poll_handle);
  napi_value target, name, fn;
  napi_create_object(env, &target);
  napi_create_reference(env, target, 1, &resource);
  napi_create_string_utf8(env, "depth1-floor", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, target, name, &async_context);
  napi_create_function(env, "read", NAPI_AUTO_LENGTH, Read, NULL, &fn);
  napi_set_named_property(env, exports, "read", fn);
  return exports;
}
