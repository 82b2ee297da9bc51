// The default context of linux-aio/fs: one per thread (each worker loads its own
// copy of this module), created on first use. Like the POSIX layer's, it falls
// back to helper threads where kernel AIO is missing, so the fs API always works.
import { AioContext } from '../context';

/** Depth of the default context. */
export const DEFAULT_DEPTH = 128;

let shared: AioContext | null = null;

/** The shared context, created on first use. It holds the event loop only while requests are in flight. */
export function defaultContext(): AioContext {
  if (shared === null) shared = new AioContext({ depth: DEFAULT_DEPTH, fallback: 'threadpool' });
  return shared;
}
