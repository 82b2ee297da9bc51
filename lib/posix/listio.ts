// lio_listio and lio_listioSync: a list of reads and writes as one group.
import { errno } from '../errors';
import { Op } from '../native';
import { AIO_LISTIO_MAX, EINPROGRESS, LIO_NOP, LIO_NOWAIT, LIO_READ, LIO_WAIT, LIO_WRITE } from './constants';
import { posixError } from './errors';
import { ListGroup } from './group';
import { queueData } from './io';
import { failNow, PosixRequest, records } from './request';
import { enterSync, leaveSync, sharedEngine } from './shared';
import { deliver, Notification, readSigevent } from './sigevent';
import type { aiocb, sigevent } from './types';

const { EINVAL } = errno;

// The whole list is checked before anything is queued: after an EINVAL no
// request may have started. A copy, so that later changes to the array
// do not matter.
function checkList(list: unknown, syscall: string): (Record<string, unknown> | null)[] {
  if (!Array.isArray(list) || list.length > AIO_LISTIO_MAX) throw posixError('EINVAL', syscall);
  const copy = list.slice();
  for (const entry of copy) if (entry !== null && typeof entry !== 'object') throw posixError('EINVAL', syscall);
  return copy as (Record<string, unknown> | null)[];
}

// Queues each entry; a failing one is its own status and stops no other, and
// nothing an entry does (a getter that throws) escapes: a LIO_WAIT list
// settles only once every entry queued is final.
function queueList(entries: (Record<string, unknown> | null)[], group: ListGroup | null, syscall: string): PosixRequest[] {
  const queued: PosixRequest[] = [];
  for (const cb of entries) {
    if (cb === null) continue;
    let opcode: unknown;
    try {
      opcode = cb.aio_lio_opcode;
    } catch {
      opcode = undefined;
    }
    if (opcode === LIO_NOP) continue;
    group?.hold();
    if (opcode === LIO_READ || opcode === LIO_WRITE) {
      queueData(cb, opcode === LIO_READ ? Op.Read : Op.Write, syscall, true, group);
    } else {
      let sig: Notification | null = null;
      try {
        sig = readSigevent(cb.aio_sigevent) ?? null;
      } catch {
        // a throwing getter: no notification
      }
      const req = new PosixRequest(Op.Read, -1, null, 0, 0, sig);
      req.group = group;
      records.set(cb, req);
      failNow(req, EINVAL);
    }
    queued.push(records.get(cb)!);
  }
  return queued;
}

/**
 * Queues a list of reads and writes (`aio_lio_opcode`). `LIO_WAIT` returns a
 * promise that settles once every entry is final: it rejects with `EIO` if any
 * entry failed (check each with `aio_error`), and `sig` is ignored.
 * `LIO_NOWAIT` returns once the entries are queued and notifies through `sig`
 * after every entry is final and after every entry's own notification.
 * `null` and `LIO_NOP` entries are skipped.
 */
export function lio_listio<T = unknown>(mode: typeof LIO_WAIT, list: readonly (aiocb | null)[], sig?: sigevent<T> | null): Promise<void>;
export function lio_listio<T = unknown>(mode: typeof LIO_NOWAIT, list: readonly (aiocb | null)[], sig?: sigevent<T> | null): void;
export function lio_listio<T = unknown>(mode: number, list: readonly (aiocb | null)[], sig?: sigevent<T> | null): Promise<void> | void;
export function lio_listio<T>(mode: number, list: readonly (aiocb | null)[], sig?: sigevent<T> | null): Promise<void> | void {
  if (mode === LIO_WAIT) {
    let entries: (Record<string, unknown> | null)[];
    try {
      entries = checkList(list, 'lio_listio');
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      const group = new ListGroup((failed) => (failed ? reject(posixError('EIO', 'lio_listio')) : resolve()));
      queueList(entries, group, 'lio_listio');
      group.dropInitial();
    });
  }
  if (mode !== LIO_NOWAIT) throw posixError('EINVAL', 'lio_listio');
  const note = readSigevent(sig);
  if (note === undefined) throw posixError('EINVAL', 'lio_listio');
  const entries = checkList(list, 'lio_listio');
  const group = new ListGroup(() => deliver(note));
  queueList(entries, group, 'lio_listio');
  group.dropInitial();
}

/**
 * `LIO_WAIT` that blocks the calling thread until every entry is final (for
 * scripts and worker threads, like `fs.readSync`). Results show through
 * `aio_error`/`aio_return` when it returns; the entries' notifications fire
 * afterwards, on the event loop. Throws `EIO` if any entry failed, `EINVAL`
 * as `lio_listio` does.
 */
export function lio_listioSync(list: readonly (aiocb | null)[]): void {
  const entries = checkList(list, 'lio_listioSync');
  const engine = sharedEngine();
  enterSync();
  try {
    const reqs = queueList(entries, null, 'lio_listioSync');
    engine.flushNow();
    while (reqs.some((r) => r.status === EINPROGRESS)) {
      if (!engine.waitSync()) sleepBriefly(); // only a full ring can leave nothing in flight
      engine.flushNow();
    }
    if (reqs.some((r) => r.status !== 0)) throw posixError('EIO', 'lio_listioSync');
  } finally {
    leaveSync();
  }
}

const nap = new Int32Array(new SharedArrayBuffer(4));
function sleepBriefly(): void {
  Atomics.wait(nap, 0, 0, 1);
}
