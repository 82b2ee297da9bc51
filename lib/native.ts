// The compiled addon's interface, loaded by ./loader (LINUX_AIO_BINDING, a
// local build, or the prebuilt binary for this platform, arch and libc).
import * as path from 'path';
import { loadAddon } from './loader';

/** @internal */
export interface NativeQueue {
  submit(n: number, buffers: unknown[]): void;
  waitSync(): number;
  counters(out: Float64Array): void;
  /** True when gone already; else done() follows once io_destroy has finished. */
  destroy(done?: () => void): boolean;
  readonly backend: 'kernel' | 'threadpool' | null;
  readonly nowait: boolean;
}

/** @internal */
export interface Binding {
  NativeQueue: new (
    depth: number,
    sq: Int32Array,
    cq: Int32Array,
    onComplete: (n: number) => void,
    allowThreadpool: boolean,
  ) => NativeQueue;
  faultsEnabled: boolean;
  alignOffset(buffer: ArrayBuffer, alignment: number): number;
  dioAlign(fd: number): [number, number];
  sigqueue(signo: number, value: number): void;
  fadvise(fd: number, offset: number, length: number, advice: number): void;
}

/** @internal */
export const binding: Binding = loadAddon<Binding>(path.join(__dirname, '..'));

// Must match src-native/protocol.h.
/** @internal */
export const enum Op {
  Read = 0,
  Write = 1,
  Readv = 2,
  Writev = 3,
  Fsync = 4,
  Fdsync = 5,
}
/** @internal */
export const SQ_STRIDE = 8;
/** @internal */
export const SQ_STATUS = 7;
/** @internal */
export const FLAG_USER_NOWAIT = 1;
/** @internal */
export const STATUS_REQUEUE = 1;
/** @internal */
export const COUNTER_NAMES = [
  'submitted',
  'completed',
  'submitCalls',
  'userReaps',
  'geteventsCalls',
  'requeued',
  'fallbacks',
] as const;

// <linux/fs.h>
/** @internal */
export const RWF_DSYNC = 0x2;
/** @internal */
export const RWF_SYNC = 0x4;
/** @internal */
export const RWF_NOWAIT = 0x8;
/** @internal */
export const RWF_APPEND = 0x10;
