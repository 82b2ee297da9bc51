// The compiled addon's interface, loaded by ./loader (LINUX_AIO_BINDING, a
// local build, or the prebuilt binary for this platform, arch and libc).
// Everything the JS and C++ sides share (table layout, statuses, counters,
// limits) is read from the addon's `protocol` object, defined once in
// src-native/protocol.h.
import * as path from 'path';
import { loadAddon } from './loader';

/** @internal */
export interface NativeQueue {
  /** Submits the first n entries of sq; views[i] is entry i's view(s). */
  submit(n: number, views: unknown[]): void;
  /** After a read whose status was copyOut: copies its res bytes into views. res, or -EFAULT. */
  copyOut(slot: number, res: number, views: ArrayBufferView | ArrayBufferView[]): number;
  /** Takes back a request waiting for a helper behind another on its fd; false once it runs. */
  cancel(slot: number): boolean;
  /** Wakes a pipe/socket request waiting for readiness: it completes with ECANCELED. */
  interrupt(slot: number): boolean;
  /** close() began: pipe/socket requests that would wait give up (ECANCELED). */
  stopStreams(): void;
  waitSync(): number;
  counters(out: Float64Array): void;
  /** Bucket counts of the in-kernel stage (see timings.ts). */
  timings(out: Float64Array): void;
  /** True when gone already; else done() follows once io_destroy has finished. */
  destroy(done?: () => void): boolean;
  readonly backend: 'kernel' | 'threadpool' | null;
}

/** @internal */
export interface Protocol {
  sq: {
    slot: number;
    op: number;
    fd: number;
    posLo: number;
    posHi: number;
    rwFlags: number;
    flags: number;
    status: number;
    lenLo: number;
    lenHi: number;
    fileLo: number;
    fileHi: number;
    stride: number;
  };
  cqStride: number;
  ops: { read: number; write: number; readv: number; writev: number; fsync: number; fdsync: number };
  status: { inFlight: number; requeue: number; copyOut: number };
  flagUserNowait: number;
  counters: string[];
  maxDepth: number;
  maxIov: number;
  latencyBuckets: number;
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
  protocol: Protocol;
  faultsEnabled: boolean;
  alignOffset(buffer: ArrayBuffer, alignment: number): number;
  allocBlock(size: number, alignment: number): ArrayBuffer | null;
  fileId(fd: number, out: Int32Array): void;
  dioAlign(fd: number): [number, number];
  sigqueue(signo: number, value: number): void;
  fadvise(fd: number, offset: number, length: number, advice: number): void;
}

/** @internal */
export const binding: Binding = loadAddon<Binding>(path.join(__dirname, '..'));

const protocol = binding.protocol;

/** @internal */
export const enum Op {
  Read = 0,
  Write = 1,
  Readv = 2,
  Writev = 3,
  Fsync = 4,
  Fdsync = 5,
}
// Op is a const enum (inlined, for speed); the addon's numbering must agree.
{
  const o = protocol.ops;
  if (o.read !== Op.Read || o.write !== Op.Write || o.readv !== Op.Readv || o.writev !== Op.Writev || o.fsync !== Op.Fsync || o.fdsync !== Op.Fdsync) {
    throw new Error('linux-aio: the addon was built from other sources than this JavaScript (op numbering differs); rebuild it');
  }
}

/** A data request (read, write, readv, writev), not a sync. @internal */
export function isData(op: Op): boolean {
  return op < Op.Fsync;
}
/** @internal */
export function isWrite(op: Op): boolean {
  return op === Op.Write || op === Op.Writev;
}
/** @internal */
export function isVector(op: Op): boolean {
  return op === Op.Readv || op === Op.Writev;
}

/** Field indices of a submission entry, and its stride. @internal */
export const SQ = protocol.sq;
/** @internal */
export const CQ_STRIDE = protocol.cqStride;
/** @internal */
export const STATUS = protocol.status;
/** @internal */
export const FLAG_USER_NOWAIT = protocol.flagUserNowait;
/** @internal */
export const COUNTER_NAMES = protocol.counters as readonly CounterName[];
/** @internal */
export type CounterName = 'submitted' | 'completed' | 'submitCalls' | 'userReaps' | 'geteventsCalls' | 'requeued' | 'fallbacks' | 'copied';

/** Limits of the native side. @internal */
export const limits = {
  /** Most requests a context hands the kernel at once. */
  maxDepth: protocol.maxDepth,
  /** Most buffers in one readv/writev (UIO_MAXIOV). */
  maxIov: protocol.maxIov,
  /** Depth of a context when none is given. */
  defaultDepth: 128,
} as const;

// <linux/fs.h>
/** @internal */
export const RWF_DSYNC = 0x2;
/** @internal */
export const RWF_SYNC = 0x4;
/** @internal */
export const RWF_NOWAIT = 0x8;
/** @internal */
export const RWF_APPEND = 0x10;
