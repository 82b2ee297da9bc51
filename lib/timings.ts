// Where a request's time goes, in three stages, as histograms cheap enough to
// leave on (the buckets of src-native/latency_hist.h: 8 per power of two).
import { binding } from './native';

/** Percentiles of one stage, in microseconds. */
export interface StageTimings {
  /** Requests measured. */
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
}

/**
 * Where requests spent their time, from the call to the settled promise, since
 * the context was created. `inKernel` is measured for every request; `queued`
 * and `delivered`, which cost a clock read in JavaScript, for one in eight.
 */
export interface AioTimings {
  /** From the call to `io_submit` (or the hand-over to a helper): waiting for the turn's batch, or for a free slot. */
  queued: StageTimings;
  /** From `io_submit` to the completion being reaped on the event loop: the device, the wake-up, and any helper. */
  inKernel: StageTimings;
  /** From the reap to the promise being settled: the JavaScript side of the completion batch. */
  delivered: StageTimings;
}

/** @internal */
export const BUCKETS: number = binding.protocol.latencyBuckets;

/** The bucket of a duration in nanoseconds (as latency_bucket() in C++). @internal */
export function bucketOf(ns: number): number {
  if (!(ns >= 16)) return ns > 0 ? Math.floor(ns) : 0;
  if (ns >= 4294967296) return BUCKETS - 1;
  const v = ns >>> 0;
  const e = 31 - Math.clz32(v);
  return 16 + (e - 4) * 8 + ((v >>> (e - 3)) & 7);
}

// The middle of a bucket, in nanoseconds.
function bucketValue(b: number): number {
  if (b < 16) return b;
  const e = Math.floor((b - 16) / 8) + 4;
  const sub = (b - 16) % 8;
  const low = 2 ** e + sub * 2 ** (e - 3);
  return low + 2 ** (e - 4);
}

/** Percentiles from bucket counts. @internal */
export function stageTimings(counts: Float64Array): StageTimings {
  let count = 0;
  for (let i = 0; i < counts.length; i++) count += counts[i];
  const at = (q: number): number => {
    if (count === 0) return 0;
    const rank = Math.ceil(q * count);
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) return Math.round(bucketValue(i) / 10) / 100; // µs, 2 decimals
    }
    return 0;
  };
  return { count, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999) };
}
