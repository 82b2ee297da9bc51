// aio_suspend: wait until one of several requests is final.
import { EINPROGRESS } from './constants';
import { posixError } from './errors';
import { PosixRequest, records } from './request';
import type { aiocb, timespec } from './types';

// A relative timeout in milliseconds, or null for none; undefined when invalid.
function timeoutMs(timeout: unknown): number | null | undefined {
  if (timeout === undefined || timeout === null) return null;
  if (typeof timeout === 'number') return Number.isFinite(timeout) && timeout >= 0 ? timeout : undefined;
  if (typeof timeout !== 'object') return undefined;
  const { tv_sec: s, tv_nsec: ns } = timeout as Record<string, unknown>;
  if (typeof s !== 'number' || typeof ns !== 'number' || !Number.isInteger(s) || !Number.isInteger(ns)) return undefined;
  if (s < 0 || ns < 0 || ns >= 1e9) return undefined;
  return s * 1000 + ns / 1e6;
}

/**
 * Resolves as soon as any listed request is final (at once if one already is,
 * or if the list has none), and rejects with `EAGAIN` when the relative
 * timeout (milliseconds, or a `timespec`) passes first. `null` entries are
 * skipped; an aiocb never queued counts as final, as in glibc.
 */
export function aio_suspend(list: readonly (aiocb | null)[], timeout?: number | timespec | null): Promise<void> {
  const ms = timeoutMs(timeout);
  if (!Array.isArray(list) || ms === undefined) return Promise.reject(posixError('EINVAL', 'aio_suspend'));
  const waiting: PosixRequest[] = [];
  for (const cb of list) {
    if (cb === null) continue;
    if (typeof cb !== 'object') return Promise.reject(posixError('EINVAL', 'aio_suspend'));
    const req = records.get(cb);
    if (req === undefined || req.status !== EINPROGRESS) return Promise.resolve();
    waiting.push(req);
  }
  if (waiting.length === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | null = null;
    const leave = (): void => {
      for (const req of waiting) req.waiters?.delete(wake);
      if (timer !== null) clearTimeout(timer);
    };
    const wake = (): void => {
      leave();
      resolve();
    };
    for (const req of waiting) (req.waiters ??= new Set()).add(wake);
    if (ms !== null) {
      timer = setTimeout(() => {
        leave();
        reject(posixError('EAGAIN', 'aio_suspend'));
      }, ms);
    }
  });
}
