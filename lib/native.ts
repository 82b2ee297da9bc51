// Loads the compiled addon: a prebuild for this platform first, then a local
// build (node-gyp-build). LINUX_AIO_BINDING points at another build, e.g. the
// sanitizer build of `npm run test:asan`.
import * as path from 'path';

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

function load(): Binding {
  const override = process.env.LINUX_AIO_BINDING;
  if (override) return require(path.resolve(override)) as Binding;
  const nodeGypBuild = require('node-gyp-build') as (dir: string) => Binding;
  return nodeGypBuild(path.join(__dirname, '..'));
}

/** @internal */
export const binding: Binding = load();

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
