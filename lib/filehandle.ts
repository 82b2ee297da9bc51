// Node's FileHandle.close() waits for the operations made through the handle:
// fs/promises counts them with two methods keyed by internal symbols (kRef,
// kUnref). A request made with a FileHandle joins that count, so that close()
// waits for it as for Node's own operations, and the fd is not closed (and its
// number reused) under it. Found once by the symbols' descriptions; where a
// Node has no such methods, requests still act on the file their fd named or
// fail (see Engine.bindFile), but close() does not wait.
import type { FileHandle } from 'fs/promises';

type Counted = { [key: symbol]: (() => void) | undefined };
type Methods = { ref: symbol; unref: symbol } | null;
// Per prototype, so that an object that merely has an `fd` never hides the
// methods of a real FileHandle.
const byProto = new WeakMap<object, Methods>();

function methods(handle: object): Methods {
  const proto = Object.getPrototypeOf(handle) as object | null;
  if (proto === null) return null;
  let m = byProto.get(proto);
  if (m === undefined) {
    const symbols = Object.getOwnPropertySymbols(proto);
    const ref = symbols.find((s) => s.description === 'kRef');
    const unref = symbols.find((s) => s.description === 'kUnref');
    m = ref !== undefined && unref !== undefined ? { ref, unref } : null;
    byProto.set(proto, m);
  }
  return m;
}

/**
 * Counts one operation on a FileHandle; returns the function that ends it,
 * or null where the handle cannot count (then close() does not wait).
 * @internal
 */
export function holdHandle(handle: FileHandle): (() => void) | null {
  const m = methods(handle);
  if (m === null) return null;
  const h = handle as unknown as Counted;
  const ref = h[m.ref];
  const unref = h[m.unref];
  if (typeof ref !== 'function' || typeof unref !== 'function') return null;
  ref.call(h);
  return () => unref.call(h);
}
