// Memory and file alignment for O_DIRECT.
import { constants as bufferConstants } from 'buffer';
import * as fs from 'fs';
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
 * size. `{ memory: 0, offset: 0 }` for a file that cannot be opened with
 * O_DIRECT: directories, pipes, sockets, character devices (`/dev/null`), and
 * regular files whose filesystem refuses it (procfs, sysfs; tmpfs before Linux 6.6).
 */
export function directIoAlignment(fd: Fd): DirectIoAlignment {
  const n = fdOf(fd, 'statx');
  let pair: [number, number];
  let st: fs.Stats;
  try {
    st = fs.fstatSync(n);
    pair = binding.dioAlign(n);
  } catch (err) {
    const code = Math.abs((err as { errno?: number }).errno ?? errno.EIO);
    throw systemError(code, 'statx', `fd ${n}`, { fd: n });
  }
  if (pair[0] === 0 || st.isBlockDevice()) return { memory: pair[0], offset: pair[1] };
  if (!st.isFile() || !acceptsDirect(n)) return { memory: 0, offset: 0 };
  return { memory: pair[0], offset: pair[1] };
}

/**
 * Whether the kernel lets this regular file be opened with O_DIRECT: true when
 * its fd already has O_DIRECT, else the answer of opening it again through
 * /proc/self/fd with O_DIRECT (EINVAL: the filesystem has no direct I/O).
 * When that cannot be asked (no procfs, no permission), true: the numbers stand.
 */
function acceptsDirect(fd: number): boolean {
  let flags = 0;
  try {
    const m = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    if (m === null) return true;
    flags = parseInt(m[1]!, 8);
  } catch {
    return true;
  }
  const { O_DIRECT, O_ACCMODE = 3, O_WRONLY, O_RDONLY, O_NONBLOCK, O_NOCTTY } = fs.constants as typeof fs.constants & { O_ACCMODE?: number };
  if ((flags & O_DIRECT) !== 0) return true;
  try {
    const mode = (flags & O_ACCMODE) === O_WRONLY ? O_WRONLY : O_RDONLY;
    fs.closeSync(fs.openSync(`/proc/self/fd/${fd}`, mode | O_DIRECT | O_NONBLOCK | O_NOCTTY));
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== 'EINVAL' && code !== 'EOPNOTSUPP';
  }
}
