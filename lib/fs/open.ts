// open(): a file as an AioFileHandle.
import { constants as fsConstants, fstatSync, Mode, PathLike } from 'fs';
import * as fsp from 'fs/promises';
import { directIoAlignment } from '../align';
import { defaultContext } from './context';
import { Alignment, AioFileHandle } from './handle';
import { OpenOptions, openOptions, toFlags } from './options';

/** The alignment O_DIRECT needs on this file (4096, always safe, where the kernel does not say). */
function alignmentOf(fd: number): Alignment {
  try {
    const d = directIoAlignment(fd);
    return { memory: d.memory || 4096, offset: d.offset || 4096 };
  } catch {
    return { memory: 4096, offset: 4096 };
  }
}

/** @internal */
export async function openFile(path: unknown, flags: unknown, mode: unknown, options: unknown): Promise<AioFileHandle> {
  const { context, direct: asked } = openOptions(options);
  let f = toFlags(flags);
  // O_DIRECT in numeric flags is the same as direct: true (aligned whole-file and stream paths).
  const direct = asked || (f & fsConstants.O_DIRECT) !== 0;
  if (direct) f |= fsConstants.O_DIRECT;
  const fh = await fsp.open(path as PathLike, f, mode as Mode | undefined);
  let stream = false;
  try {
    const st = fstatSync(fh.fd);
    stream = st.isFIFO() || st.isSocket() || st.isCharacterDevice();
  } catch {
    // leave it to the requests to report
  }
  return new AioFileHandle(fh, context ?? defaultContext(), f, direct ? alignmentOf(fh.fd) : null, stream);
}

/**
 * Opens a file, as Node's `fsPromises.open(path, flags = 'r', mode = 0o666)`, and
 * resolves to an `AioFileHandle` whose reads and writes go through kernel AIO.
 * `options.context`: the AioContext to use (default: one shared per thread);
 * `options.direct`: open with O_DIRECT.
 */
export function open(path: PathLike, flags?: string | number, mode?: Mode, options?: OpenOptions): Promise<AioFileHandle> {
  return openFile(path, flags, mode, options);
}
