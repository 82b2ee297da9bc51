// What the engine's system calls cost by themselves at depth 1, without Node:
// 4 KiB O_DIRECT random reads, one in flight, four ways, rotated in slices in
// one process so that the machine's drift falls on all of them alike.
//
//   0  io_submit, then io_getevents for the completion: fio's libaio loop
//   1  io_submit with IOCB_FLAG_RESFD, epoll_wait on the eventfd, read() of
//      the eventfd, the completion taken from the ring in user space: how the
//      engine learns of completions (libuv's poll of the eventfd)
//   2  1, plus a statx of the fd before each io_submit: the engine's binding of
//      a request to its file (src-native/file_id.h)
//   3  2, plus an epoll_wait with a zero timeout before the one that sleeps:
//      libuv's idle-time metrics, which Node turns on, poll once that way
//
// Variant 3 is the floor of the engine's design: what a Node program using it
// could reach at best, with no JavaScript, V8 or libuv at all.
//
//   cc -O2 -o /tmp/depth1-floor scripts/depth1-floor.c
//   /tmp/depth1-floor FILE [ROUNDS=40] [SLICE_MS=200]
//
// FILE: a file of at least 64 MiB on the filesystem to measure (its first
// 1 GiB at most is read).
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define VARIANTS 4

// The kernel's completion ring, mapped at the context's address (fs/aio.c).
struct aio_ring {
  unsigned id, nr, head, tail, magic, compat_features, incompat_features, header_length;
  struct io_event io_events[];
};

static int fd, efd, ep;
static aio_context_t ctx;
static void* buf;
static uint64_t blocks;

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static double cpu_us(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

static void die(const char* what) {
  perror(what);
  exit(1);
}

// One completion of variant >= 1, taken from the ring as the engine does.
static long take_from_ring(void) {
  struct aio_ring* ring = (struct aio_ring*)ctx;
  unsigned head = ring->head;
  unsigned tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
  if (head == tail) {
    fprintf(stderr, "the eventfd fired with the ring empty\n");
    exit(1);
  }
  long res = (long)ring->io_events[head].res;
  __atomic_store_n(&ring->head, (head + 1) % ring->nr, __ATOMIC_RELEASE);
  return res;
}

// Runs variant v for ms milliseconds; adds its requests and CPU time.
static void slice(int v, double ms, double* reqs, double* elapsed, double* cpu) {
  long n = 0;
  const double c0 = cpu_us(), t0 = now_us();
  while (now_us() - t0 < ms * 1000) {
    struct iocb cb;
    memset(&cb, 0, sizeof cb);
    cb.aio_lio_opcode = IOCB_CMD_PREAD;
    cb.aio_fildes = fd;
    cb.aio_buf = (uintptr_t)buf;
    cb.aio_nbytes = 4096;
    cb.aio_offset = (int64_t)(random() % blocks) * 4096;
    if (v >= 1) {
      cb.aio_flags = IOCB_FLAG_RESFD;
      cb.aio_resfd = efd;
    }
    if (v >= 2) {
      struct statx sx;
      syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_BTIME, &sx);
    }
    struct iocb* p = &cb;
    if (syscall(SYS_io_submit, ctx, 1, &p) != 1) die("io_submit");
    long res;
    if (v == 0) {
      struct io_event ev;
      if (syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1) die("io_getevents");
      res = (long)ev.res;
    } else {
      struct epoll_event e;
      if (v < 3 || epoll_wait(ep, &e, 1, 0) == 0) {
        if (epoll_wait(ep, &e, 1, -1) != 1) die("epoll_wait");
      }
      uint64_t count;
      if (read(efd, &count, sizeof count) != sizeof count) die("read(eventfd)");
      res = take_from_ring();
    }
    if (res != 4096) {
      fprintf(stderr, "a read returned %ld\n", res);
      exit(1);
    }
    n++;
  }
  *elapsed += now_us() - t0;
  *cpu += cpu_us() - c0;
  *reqs += n;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE [ROUNDS=40] [SLICE_MS=200]\n", argv[0]);
    return 2;
  }
  const int rounds = argc > 2 ? atoi(argv[2]) : 40;
  const double ms = argc > 3 ? atof(argv[3]) : 200;
  fd = open(argv[1], O_RDONLY | O_DIRECT);
  if (fd < 0) die(argv[1]);
  struct stat st;
  if (fstat(fd, &st) != 0) die("fstat");
  blocks = (uint64_t)(st.st_size < (1LL << 30) ? st.st_size : (1LL << 30)) / 4096;
  if (blocks < 16384) {
    fprintf(stderr, "%s: needs at least 64 MiB\n", argv[1]);
    return 2;
  }
  if (syscall(SYS_io_setup, 128, &ctx) != 0) die("io_setup");
  if (posix_memalign(&buf, 4096, 4096) != 0) die("posix_memalign");
  efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event e = {.events = EPOLLIN};
  if (efd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e) != 0) die("eventfd/epoll");
  srandom(1);
  double reqs[VARIANTS] = {0}, elapsed[VARIANTS] = {0}, cpu[VARIANTS] = {0};
  for (int r = 0; r < rounds; r++) {
    for (int k = 0; k < VARIANTS; k++) {
      const int v = (r + k) % VARIANTS;  // each variant leads in turn
      slice(v, ms, &reqs[v], &elapsed[v], &cpu[v]);
    }
  }
  const double iops0 = reqs[0] / elapsed[0] * 1e6, cpu0 = cpu[0] / reqs[0];
  printf("depth 1, 4 KiB O_DIRECT random reads of %s; %d rounds of %g ms slices\n", argv[1], rounds, ms);
  static const char* names[VARIANTS] = {
      "io_submit + io_getevents (fio)",
      "io_submit + epoll_wait + read(eventfd)",
      "  + statx per submission",
      "  + zero-timeout epoll_wait (Node)",
  };
  for (int v = 0; v < VARIANTS; v++) {
    const double iops = reqs[v] / elapsed[v] * 1e6, c = cpu[v] / reqs[v];
    printf("%d %-40s %7.0f IOPS  %.3fx   %5.1f us CPU/op  %.3fx\n", v, names[v], iops, iops / iops0, c, c / cpu0);
  }
  return 0;
}
