// The identity of the file an fd names, as one 64-bit number: JavaScript asks
// for it for requests that wait in user space, and submit() compares it with
// the fd's file when the request reaches the kernel, so that an fd number
// closed and reused in between never sends a request to another file. Device
// and inode alone are not enough: ext4 gives a freed inode number to the next
// file at once, so the birth time (statx) is part of it where the filesystem
// records one.
#pragma once

#include <fcntl.h>
#include <linux/stat.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace laio {

// Never matches any file: the fd was not open at the call.
constexpr uint64_t kNoFile = ~uint64_t{0};

struct FileFacts {
  uint64_t id = kNoFile;  // 0 (unchecked) and kNoFile are never an open file's
  mode_t mode = 0;
};

inline uint64_t mix64(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xbf58476d1ce4e5b9ull;
}

inline FileFacts fd_facts(int fd) {
  FileFacts f;
  struct statx sx;
  if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_BTIME, &sx) == 0) {
    uint64_t h = mix64(0x632be59bd9b4e019ull, sx.stx_ino);
    h = mix64(h, (static_cast<uint64_t>(sx.stx_dev_major) << 32) | sx.stx_dev_minor);
    if (sx.stx_mask & STATX_BTIME)
      h = mix64(h, (static_cast<uint64_t>(sx.stx_btime.tv_sec) << 30) ^ sx.stx_btime.tv_nsec);
    f.id = h == 0 || h == kNoFile ? 1 : h;
    f.mode = sx.stx_mode;
    return f;
  }
  struct stat st;  // a kernel without statx (before 4.11)
  if (errno != ENOSYS || fstat(fd, &st) != 0) return f;
  uint64_t h = mix64(mix64(0x632be59bd9b4e019ull, st.st_ino), st.st_dev);
  f.id = h == 0 || h == kNoFile ? 1 : h;
  f.mode = st.st_mode;
  return f;
}

inline uint64_t fd_file_id(int fd) { return fd_facts(fd).id; }

// Pipes, FIFOs, sockets, and character devices without a position (ttys):
// a request on one may wait for good (no data, no reader), and has no file
// position. A seekable character device (/dev/mem, /dev/cpu/N/cpuid) is not
// one: its position chooses what is read.
inline bool is_stream(int fd, mode_t mode) {
  if (S_ISFIFO(mode) || S_ISSOCK(mode)) return true;
  return S_ISCHR(mode) && lseek(fd, 0, SEEK_CUR) < 0 && errno == ESPIPE;
}

}  // namespace laio
