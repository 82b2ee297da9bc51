// sigevent: checked and copied when a request is queued, delivered when it ends.
import { binding } from '../native';
import { SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD } from './constants';

/** A copied sigevent. @internal */
export interface Notification {
  readonly notify: number;
  readonly signo: number;
  readonly value: unknown;
  readonly fn: ((value: unknown) => void) | null;
}

const SIGKILL = 9;
const SIGSTOP = 19;
const SIGRTMAX = 64;

/**
 * Copies a sigevent. `null` for none (absent or `SIGEV_NONE`), `undefined` when
 * it is invalid.
 * @internal
 */
export function readSigevent(sig: unknown): Notification | null | undefined {
  if (sig === undefined || sig === null) return null;
  if (typeof sig !== 'object') return undefined;
  const s = sig as Record<string, unknown>;
  switch (s.sigev_notify) {
    case SIGEV_NONE:
      return null;
    case SIGEV_SIGNAL: {
      const signo = s.sigev_signo;
      if (typeof signo !== 'number' || !Number.isInteger(signo) || signo < 0 || signo > SIGRTMAX || signo === SIGKILL || signo === SIGSTOP) {
        return undefined;
      }
      // Signal 0 (a zero-filled aiocb in C) is accepted and sends nothing, as in glibc.
      if (signo === 0) return null;
      return { notify: SIGEV_SIGNAL, signo, value: s.sigev_value, fn: null };
    }
    case SIGEV_THREAD: {
      const fn = s.sigev_notify_function;
      if (typeof fn !== 'function') return undefined;
      return { notify: SIGEV_THREAD, signo: 0, value: s.sigev_value, fn: fn as (value: unknown) => void };
    }
    default:
      return undefined;
  }
}

/**
 * Sends a notification, on the event loop. A throwing notify function is
 * reported as an uncaught exception, like any callback's, and stops nothing else.
 * @internal
 */
export function deliver(n: Notification | null): void {
  if (n === null) return;
  if (n.fn !== null) {
    try {
      n.fn(n.value);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
    return;
  }
  const value = typeof n.value === 'number' && (n.value | 0) === n.value ? n.value : 0;
  try {
    binding.sigqueue(n.signo, value);
  } catch (err) {
    process.nextTick(() => {
      throw err;
    });
  }
}
