// Helpers for the POSIX conformance tests.
'use strict';
const fs = require('fs');
const { execFileSync } = require('child_process');
const aio = require('linux-aio');
const { tmpDir } = require('../helpers');

/** An aiocb for fd. */
function cb(fd, offset, buf, extra = {}) {
  return { aio_fildes: fd, aio_offset: offset, aio_buf: buf, aio_nbytes: buf ? buf.byteLength : 0, ...extra };
}

/** A SIGEV_THREAD sigevent that records (name, aio_error at that moment) into log. */
function thread(log, name, watched) {
  return {
    sigev_notify: aio.SIGEV_THREAD,
    sigev_value: name,
    sigev_notify_function: (v) => log.push({ name: v, status: watched ? aio.aio_error(watched) : undefined }),
  };
}

/** Resolves after n turns of the event loop. */
async function turns(n = 1) {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** Waits until predicate() is true (checked every turn), or fails after ms. */
async function until(predicate, ms = 10000) {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * Waits until n requests of the shared context have started and not finished
 * (a FIFO read counts once its thread runs it: from then on it cannot be
 * cancelled).
 */
async function started(n, ms = 10000) {
  const { sharedEngine } = require('../../dist/posix/shared');
  await until(() => {
    const c = sharedEngine().counters();
    return c.submitted - c.completed >= n;
  }, ms);
}

/**
 * A FIFO opened read-write: a read from it stays in flight (on a helper
 * thread, in the kernel) until something is written to it. Always feed() it
 * before the test ends.
 */
function fifo() {
  const path = `${tmpDir()}/fifo`;
  execFileSync('mkfifo', [path]);
  const fd = fs.openSync(path, 'r+');
  return { fd, feed: (data) => fs.writeSync(fd, data), close: () => fs.closeSync(fd) };
}

module.exports = { aio, cb, thread, turns, until, started, fifo };
