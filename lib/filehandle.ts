// Node's FileHandle.close() waits for the operations made through the handle:
// fs/promises counts them with two methods keyed by internal symbols (kRef,
// kUnref). A request made with a FileHandle joins that count, so that close()
// waits for it as for Node's own operations, and the fd is not closed (and its
// number reused) under it. Found once by the symbols' descriptions; where a
// Node has no such methods, requests still act on the file their fd named or
// fail (see Engine.bindFile), but close() does not wait.
import type { FileHandle } from 'fs/promises';

type Counted = { [key: symbol]: (() => void) | undefined };
let kRef: symbol | null | undefined;
let kUnref: symbol | null = null;

function find(handle: object): void {
  const proto = Object.getPrototypeOf(handle) as object | null;
  const symbols = proto === null ? [] : Object.getOwnPropertySymbols(proto);
  const ref = symbols.find((s) => s.description === 'kRef');
  const unref = symbols.find((s) => s.description === 'kUnref');
  kRef = ref !== undefined && unref !== undefined ? ref : null;
  kUnref = unref ?? null;
}

/**
 * Counts one operation on a FileHandle; returns the function that ends it,
 * or null where the handle cannot count (then close() does not wait).
 * @internal
 */
export function holdHandle(handle: FileHandle): (() => void) | null {
  if (kRef === undefined) find(handle);
  const refKey = kRef;
  const unrefKey = kUnref;
  if (refKey === null || refKey === undefined || unrefKey === null) return null;
  const h = handle as unknown as Counted;
  const ref = h[refKey];
  const unref = h[unrefKey];
  if (typeof ref !== 'function' || typeof unref !== 'function') return null;
  ref.call(h);
  return () => unref.call(h);
}
