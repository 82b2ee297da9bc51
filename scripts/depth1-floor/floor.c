// usage: floor FILE WAY MS
//
// The C half of `npm run floor` (run.js builds it and rotates the ways; this
// program makes one way per call). What the engine's system
// calls cost by themselves at depth 1, without Node: 4 KiB O_DIRECT random
// reads, one in flight, made five ways:
//
//   fio  fio's libaio engine itself, when fio is on PATH (a child process
//        per slice; its IOPS and CPU as it reports them)
//   0    io_submit, then io_getevents for the completion: fio's loop, bare
//   1    io_submit with IOCB_FLAG_RESFD and RWF_NOWAIT, epoll_wait on the
//        eventfd, read() of the eventfd, the completion taken from the ring in
//        user space: how the engine submits (src-native/queue_submit.cc) and
//        learns of completions (libuv's poll of the eventfd, queue_reap.cc)
//   2    1, plus a statx of the fd before each io_submit: the engine's binding
//        of a request to its file (src-native/file_id.h)
//   3    2, plus an epoll_wait with a zero timeout before the one that sleeps:
//        libuv's idle-time metrics, which Node turns on, poll once that way
//
// Variant 3 is the floor of the engine's design: what a Node program using it
// could reach at best, with no JavaScript, V8 or libuv at all.
//
// It makes way WAY (0-3, or fio) for MS milliseconds and prints "requests
// elapsed_us cpu_us". FILE: a file of at least 64 MiB, written in full (run.js
// checks it), on the filesystem to measure; at most its first 1 GiB is read.
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

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

#define FIO 4  // the way after variants 0-3

// The kernel's completion ring, mapped at the context's address (fs/aio.c).
struct aio_ring {
  unsigned id, nr, head, tail, magic, compat_features, incompat_features, header_length;
  struct io_event io_events[];
};
#define AIO_RING_MAGIC 0xa10a10a1

static const char* path;
static int fd, efd, ep;
static aio_context_t ctx;
static void* buf;
static uint64_t blocks;
static long bounced;  // RWF_NOWAIT refusals (EAGAIN), each redone without it

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

// Waits for the one request in flight (variant >= 1); its result.
static long wait_polled(int v) {
  struct epoll_event e;
  int r = v >= 3 ? epoll_wait(ep, &e, 1, 0) : 0;
  if (r < 0) die("epoll_wait");
  if (r == 0 && epoll_wait(ep, &e, 1, -1) != 1) die("epoll_wait");
  uint64_t count;
  if (read(efd, &count, sizeof count) != sizeof count) die("read(eventfd)");
  return take_from_ring();
}

static long read_once(int v, int64_t offset) {
  struct iocb cb;
  memset(&cb, 0, sizeof cb);
  cb.aio_lio_opcode = IOCB_CMD_PREAD;
  cb.aio_fildes = fd;
  cb.aio_buf = (uintptr_t)buf;
  cb.aio_nbytes = 4096;
  cb.aio_offset = offset;
  if (v >= 1) {
    cb.aio_flags = IOCB_FLAG_RESFD;
    cb.aio_resfd = efd;
    cb.aio_rw_flags = RWF_NOWAIT;
  }
  if (v >= 2) {
    struct statx sx;
    if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_BTIME, &sx) != 0) die("statx");
  }
  struct iocb* p = &cb;
  if (syscall(SYS_io_submit, ctx, 1, &p) != 1) die("io_submit");
  if (v == 0) {
    struct io_event ev;
    if (syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1) die("io_getevents");
    return (long)ev.res;
  }
  long res = wait_polled(v);
  if (res == -11 /* EAGAIN */) {
    // The engine re-issues it blocking, on a helper thread; here, inline.
    bounced++;
    cb.aio_rw_flags = 0;
    if (syscall(SYS_io_submit, ctx, 1, &p) != 1) die("io_submit");
    res = wait_polled(v);
  }
  return res;
}

// Runs variant v for ms milliseconds; adds its requests, time and CPU time.
static void slice(int v, double ms, double* reqs, double* elapsed, double* cpu) {
  long n = 0;
  const double c0 = cpu_us(), t0 = now_us();
  while (now_us() - t0 < ms * 1000) {
    long res = read_once(v, (int64_t)(random() % blocks) * 4096);
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

// One fio run of ms milliseconds, the job of `linux-aio bench --iodepth 1`;
// false when fio could not be run.
static int fio_slice(double ms, double* reqs, double* elapsed, double* cpu) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "fio --name=floor --filename='%s' --rw=randread --bs=4k --size=%llu --ioengine=libaio --iodepth=1 "
           "--direct=1 --runtime=%dms --time_based --invalidate=0 --norandommap --randrepeat=0 --readonly "
           "--output-format=terse --terse-version=3 2>/dev/null",
           path, (unsigned long long)blocks * 4096, (int)ms);
  FILE* f = popen(cmd, "r");
  if (f == NULL) return 0;
  char line[8192];
  int ok = 0;
  if (fgets(line, sizeof line, f) != NULL) {
    // Terse v3, 1-based: 6 KiB read, 9 runtime (ms), 88 and 89 usr and sys CPU (%).
    double field[90] = {0};
    int k = 1;
    for (char *s = line, *tok; k < 90 && (tok = strsep(&s, ";")) != NULL; k++) field[k] = atof(tok);
    if (k >= 90 && field[9] > 0) {
      const double ios = field[6] / 4, run_us = field[9] * 1000;
      *reqs += ios;
      *elapsed += run_us;
      *cpu += (field[88] + field[89]) / 100 * run_us;
      ok = 1;
    }
  }
  return pclose(f) == 0 && ok;
}

// Opens FILE and sets up the context, eventfd and epoll; exits on failure.
static void setup(void) {
  if (strchr(path, '\'') != NULL) {
    fprintf(stderr, "%s: a file name with a quote is not supported\n", path);
    exit(2);
  }
  fd = open(path, O_RDONLY | O_DIRECT);
  if (fd < 0) die(path);
  struct stat st;
  if (fstat(fd, &st) != 0) die("fstat");
  blocks = (uint64_t)(st.st_size < (1LL << 30) ? st.st_size : (1LL << 30)) / 4096;
  if (blocks < 16384) {
    fprintf(stderr, "%s: needs at least 64 MiB\n", path);
    exit(2);
  }
  if (syscall(SYS_io_setup, 128, &ctx) != 0) die("io_setup");
  const struct aio_ring* ring = (const struct aio_ring*)ctx;
  if (ring->magic != AIO_RING_MAGIC || ring->incompat_features != 0 || ring->header_length != sizeof *ring) {
    fprintf(stderr, "the kernel's completion ring has an unknown layout\n");
    exit(1);
  }
  if (posix_memalign(&buf, 4096, 4096) != 0) die("posix_memalign");
  efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event e = {.events = EPOLLIN};
  if (efd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e) != 0) die("eventfd/epoll");
  srandom((unsigned)getpid());
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s FILE WAY MS\n", argv[0]);
    return 2;
  }
  path = argv[1];
  const int w = strcmp(argv[2], "fio") == 0 ? FIO : atoi(argv[2]);
  const double ms = atof(argv[3]);
  if (w < 0 || w > FIO || !(ms >= 10 && ms <= 600000)) {
    fprintf(stderr, "WAY is 0 to 3 or fio, MS 10 to 600000\n");
    return 2;
  }
  setup();
  double reqs = 0, elapsed = 0, cpu = 0;
  if (w == FIO) {
    if (!fio_slice(ms, &reqs, &elapsed, &cpu)) {
      fprintf(stderr, "fio is not on PATH, or failed\n");
      return 3;
    }
  } else {
    slice(w, ms, &reqs, &elapsed, &cpu);
  }
  printf("%.0f %.0f %.0f\n", reqs, elapsed, cpu);
  if (bounced > 0) fprintf(stderr, "RWF_NOWAIT refused %ld reads (EAGAIN); each was redone without it\n", bounced);
  return 0;
}
