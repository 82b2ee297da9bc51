// The identity of the file an fd names, as one 64-bit number: JavaScript asks
// for it when a request is made (once per fd per turn), and submit() compares
// it with the fd's file when the request reaches the kernel, so that an fd
// number closed and reused in between never sends a request to another file.
#pragma once

#include <sys/stat.h>

#include <cstdint>

namespace laio {

// Never matches any file: the fd was not open at the call.
constexpr uint64_t kNoFile = ~uint64_t{0};

// Device and inode, mixed; 0 (unchecked) and kNoFile are never produced.
inline uint64_t stat_file_id(const struct stat& st) {
  uint64_t h = static_cast<uint64_t>(st.st_ino) * 0x9e3779b97f4a7c15ull;
  h ^= static_cast<uint64_t>(st.st_dev) + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2);
  return h == 0 || h == kNoFile ? 1 : h;
}

inline uint64_t fd_file_id(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? stat_file_id(st) : kNoFile;
}

// Pipes, FIFOs, sockets and character devices: a request on one may wait for
// good (no data, no reader), and has no file position.
inline bool is_stream(mode_t mode) { return S_ISFIFO(mode) || S_ISSOCK(mode) || S_ISCHR(mode); }

}  // namespace laio
