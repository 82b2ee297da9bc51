/* Force-included (-include) into the musl prebuilds only, by scripts/prebuild.js.
 * The musl that zig carries (1.2.4) has no preadv2/pwritev2 (added in musl 1.2.5);
 * these call the system calls (Linux 4.6+) as musl 1.2.5's own wrappers do. The
 * names are macros over our own functions, so a newer musl that declares them
 * does not clash. */
#ifndef LINUX_AIO_MUSL_COMPAT_H
#define LINUX_AIO_MUSL_COMPAT_H
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline ssize_t linux_aio_preadv2(int fd, const struct iovec *iov, int count, off_t ofs, int flags) {
  return syscall(SYS_preadv2, fd, iov, count, (long)ofs, (long)(ofs >> 32), flags);
}
static inline ssize_t linux_aio_pwritev2(int fd, const struct iovec *iov, int count, off_t ofs, int flags) {
  return syscall(SYS_pwritev2, fd, iov, count, (long)ofs, (long)(ofs >> 32), flags);
}
#define preadv2 linux_aio_preadv2
#define pwritev2 linux_aio_pwritev2
#endif
