// Memory and file alignment for O_DIRECT.
import { constants as bufferConstants } from 'buffer';
import { errno, invalidArgType, outOfRange, systemError } from './errors';
import { binding } from './native';
import { Fd, fdOf } from './validate';

const MAX_ALIGNMENT = 1 << 30;

/**
 * A zero-filled Buffer of `size` bytes whose memory starts at a multiple of
 * `alignment` (a power of two, default 4096), as O_DIRECT wants. Its memory
 * belongs to the package: requests use it without a copy, and it stays valid
 * until every request using it is done, even if the ArrayBuffer is
 * transferred or collected meanwhile. (Where external buffers are not allowed,
 * it is an ordinary ArrayBuffer, and requests copy through scratch memory.)
 */
export function allocAligned(size: number, alignment = 4096): Buffer {
  if (typeof size !== 'number') throw invalidArgType('size', 'of type number', size);
  if (typeof alignment !== 'number') throw invalidArgType('alignment', 'of type number', alignment);
  if (!Number.isSafeInteger(alignment) || alignment < 1 || alignment > MAX_ALIGNMENT || (alignment & (alignment - 1)) !== 0) {
    throw outOfRange('alignment', `a power of two >= 1 && <= ${MAX_ALIGNMENT}`, alignment);
  }
  const limit = bufferConstants.MAX_LENGTH - alignment;
  if (!Number.isSafeInteger(size) || size < 0 || size > limit) throw outOfRange('size', `an integer >= 0 && <= ${limit}`, size);
  const owned = binding.allocBlock(size, alignment);
  if (owned !== null) return Buffer.from(owned, 0, size);
  const backing = new ArrayBuffer(size + alignment - 1);
  return Buffer.from(backing, binding.alignOffset(backing, alignment), size);
}

/** Alignment O_DIRECT needs on a file, in bytes. */
export interface DirectIoAlignment {
  /** Alignment of the buffer's address (0: this file cannot do O_DIRECT). */
  memory: number;
  /** Alignment of the file position and of the length. */
  offset: number;
}

/**
 * The alignment O_DIRECT needs on this file: `statx(STATX_DIOALIGN)` where the
 * kernel and filesystem report it (Linux 6.1+), else the device's logical block
 * size.
 */
export function directIoAlignment(fd: Fd): DirectIoAlignment {
  const n = fdOf(fd, 'statx');
  let pair: [number, number];
  try {
    pair = binding.dioAlign(n);
  } catch (err) {
    const code = -((err as { errno?: number }).errno ?? -errno.EIO);
    throw systemError(code, 'statx', `fd ${n}`, { fd: n });
  }
  return { memory: pair[0], offset: pair[1] };
}
