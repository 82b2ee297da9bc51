// The request behind each AioContext call: a promise settled when the kernel
// (or a helper) is done with the request's memory, with Node-shaped errors.
import { AbortError, CodedError, ioError } from './errors';
import { Request } from './engine';
import { isData, Op } from './native';
import type { Split } from './validate';

/** @internal */
export const OP_NAMES = ['read', 'write', 'readv', 'writev', 'fsync', 'fdatasync'];

/** @internal */
export class PromiseRequest extends Request {
  resolve!: (value: number | undefined) => void;
  reject!: (reason: unknown) => void;
  aborted = false;
  onAbort: (() => void) | null = null;
  /** Ends this request's share in its FileHandle's count (close() waits for it). */
  unhold: (() => void) | null = null;
  constructor(
    op: Op,
    fd: number,
    buf: ArrayBufferView | ArrayBufferView[] | null,
    pos: Split,
    rwflags: number,
    flags: number,
    readonly position: number | bigint | undefined,
    readonly signal: AbortSignal | undefined,
  ) {
    super(op, fd, buf, pos.lo, pos.hi, rwflags, flags);
  }

  /** Ends the FileHandle's count for this request (once). */
  release(): void {
    const unhold = this.unhold;
    this.unhold = null;
    if (unhold !== null) unhold();
  }

  done(res: number, atSubmit: boolean): void {
    this.release();
    if (this.onAbort !== null) this.signal!.removeEventListener('abort', this.onAbort);
    if (this.aborted) this.reject(new AbortError(undefined, { cause: this.signal!.reason }));
    else if (res >= 0) this.resolve(isData(this.op) ? res : undefined);
    else this.reject(requestError(this, -res, atSubmit));
  }
}

/**
 * A request that calls `onDone` when it settles instead of settling a promise
 * of its own: AioFileHandle's read and write, whose own promise is then the
 * only one per request.
 * @internal
 */
export class CallbackRequest extends Request {
  constructor(
    op: Op.Read | Op.Write,
    fd: number,
    buf: ArrayBufferView,
    pos: Split,
    readonly position: number | bigint,
    /** res: the bytes moved, or -errno with its Node-shaped error. */
    readonly onDone: (res: number, err: CodedError | null) => void,
  ) {
    super(op, fd, buf, pos.lo, pos.hi, 0, 0);
  }

  done(res: number, atSubmit: boolean): void {
    this.onDone(res, res >= 0 ? null : requestError(this, -res, atSubmit));
  }
}

function requestError(req: Request & { readonly position: number | bigint | undefined }, errno: number, atSubmit: boolean): CodedError {
  return ioError(errno, atSubmit ? 'io_submit' : OP_NAMES[req.op], { fd: req.fd, position: req.position, buffers: req.views });
}
