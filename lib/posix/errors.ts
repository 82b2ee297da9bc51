// Failures of a POSIX call itself: an Error whose code is the errno name.
import { errnoNumber, SystemError, systemError } from '../errors';

/** @internal */
export function posixError(code: 'EINVAL' | 'EAGAIN' | 'EIO' | 'EBADF', syscall: string): SystemError {
  return systemError(errnoNumber(code), syscall);
}
