// The shared context of the POSIX layer: one per thread (each worker loads its
// own copy of this module), created on first use with the depth aio_init set.
import { AioContext } from '../context';
import { Engine } from '../engine';
import { limits } from '../native';
import { posixError } from './errors';

let depth: number = limits.defaultDepth;
let shared: AioContext | null = null;
let syncDepth = 0;

/** The engine of the shared context, created on first use. @internal */
export function sharedEngine(): Engine {
  // Where kernel AIO is missing the POSIX layer still works, as glibc's does: on threads.
  if (shared === null) shared = new AioContext({ depth, fallback: 'threadpool' });
  return shared.engine;
}

/**
 * GNU extension: sets the depth of the shared context (`aio_num`, the most
 * requests in the kernel at once; default 128). Only before first use, as in
 * glibc; ignored afterwards.
 */
export function aio_init(init: { aio_num?: number | undefined }): void {
  if (typeof init !== 'object' || init === null) throw posixError('EINVAL', 'aio_init');
  const n = init.aio_num;
  if (n === undefined) return;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > limits.maxDepth) throw posixError('EINVAL', 'aio_init');
  if (shared === null) depth = n;
}

/** While lio_listioSync blocks, notifications wait for the event loop. @internal */
export function inSync(): boolean {
  return syncDepth > 0;
}

/** @internal */
export function enterSync(): void {
  syncDepth++;
}

/** @internal */
export function leaveSync(): void {
  syncDepth--;
}
