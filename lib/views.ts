// What a call names is fixed when the call returns. Views are read through the
// intrinsic getters (internal slots, never an overridable property), so no
// subclass or proxy can make a request touch other memory; a view whose length
// could change later (over a resizable ArrayBuffer or a growable
// SharedArrayBuffer) is replaced by a fixed-length Uint8Array over the same
// bytes. The binding resolves these views to (address, length) once more when
// the request reaches the kernel: a view whose buffer was detached or shrunk
// meanwhile reads as empty there, and the request fails EFAULT.
import { types } from 'util';
import { invalidArgType, outOfRange } from './errors';
import { limits } from './native';

type Getter = (this: unknown) => unknown;
function getter(proto: object, name: string): Getter | undefined {
  return Object.getOwnPropertyDescriptor(proto, name)?.get as Getter | undefined;
}

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const taBuffer = getter(TypedArrayPrototype, 'buffer')!;
const taByteOffset = getter(TypedArrayPrototype, 'byteOffset')!;
const taByteLength = getter(TypedArrayPrototype, 'byteLength')!;
const dvBuffer = getter(DataView.prototype, 'buffer')!;
const dvByteOffset = getter(DataView.prototype, 'byteOffset')!;
const dvByteLength = getter(DataView.prototype, 'byteLength')!;
const abResizable = getter(ArrayBuffer.prototype, 'resizable');
const sabGrowable = getter(SharedArrayBuffer.prototype, 'growable');

const EMPTY = new Uint8Array(0);

function canChangeLength(buffer: unknown): boolean {
  const get = types.isSharedArrayBuffer(buffer) ? sabGrowable : abResizable;
  return get !== undefined && get.call(buffer) === true;
}

/**
 * The buffer, offset and length of a view as V8 holds them; `null` when it is
 * not a view. A DataView whose buffer is detached or out of bounds is empty.
 * @internal
 */
export function viewParts(v: unknown): { buffer: ArrayBufferLike; offset: number; length: number } | null {
  if (types.isTypedArray(v)) {
    return { buffer: taBuffer.call(v) as ArrayBufferLike, offset: taByteOffset.call(v) as number, length: taByteLength.call(v) as number };
  }
  if (types.isDataView(v)) {
    const buffer = dvBuffer.call(v) as ArrayBufferLike;
    try {
      return { buffer, offset: dvByteOffset.call(v) as number, length: dvByteLength.call(v) as number };
    } catch {
      return { buffer, offset: 0, length: 0 }; // the getters throw once detached
    }
  }
  return null;
}

/** Bytes a (fixed) view covers now: 0 once its buffer is detached. @internal */
export function viewBytes(v: ArrayBufferView): number {
  if (types.isTypedArray(v)) return taByteLength.call(v) as number;
  try {
    return dvByteLength.call(v) as number;
  } catch {
    return 0;
  }
}

/**
 * The view a request keeps: the caller's own when its offset and length are
 * fixed for life, else a fixed-length Uint8Array over the same bytes.
 * @internal
 */
export function fixView(v: unknown, name: string): ArrayBufferView {
  const parts = viewParts(v);
  if (parts === null) throw invalidArgType(name, 'an instance of Buffer, TypedArray, or DataView', v);
  if (!canChangeLength(parts.buffer)) return v as ArrayBufferView;
  return subView(parts, parts.length) ?? EMPTY;
}

/**
 * A fixed Uint8Array over the first `bytes` bytes of a view's memory; `null`
 * when the view is shorter than that.
 * @internal
 */
export function subView(parts: { buffer: ArrayBufferLike; offset: number; length: number }, bytes: number): Uint8Array | null {
  if (bytes > parts.length) return null;
  if (bytes === 0) return EMPTY;
  try {
    return new Uint8Array(parts.buffer, parts.offset, bytes);
  } catch {
    return null; // detached since
  }
}

/**
 * A copy of an array of views, each fixed: the caller's array is read once,
 * here, and never again.
 * @internal
 */
export function fixViews(bufs: unknown, name: string): ArrayBufferView[] {
  if (!Array.isArray(bufs)) throw invalidArgType(name, 'an instance of Array', bufs);
  const n: unknown = bufs.length; // a Proxy may say anything
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw invalidArgType(name, 'an instance of Array', bufs);
  if (n > limits.maxIov) throw outOfRange(`${name}.length`, `<= ${limits.maxIov}`, n);
  const out = new Array<ArrayBufferView>(n);
  for (let i = 0; i < n; i++) out[i] = fixView(bufs[i], `${name}[${i}]`);
  return out;
}

/** Total bytes of views. @internal */
export function totalBytes(views: ArrayBufferView | ArrayBufferView[] | null): number {
  if (views === null) return 0;
  if (!Array.isArray(views)) return viewBytes(views);
  let total = 0;
  for (const v of views) total += viewBytes(v);
  return total;
}
