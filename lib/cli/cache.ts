// Page cache state before each engine: every engine starts from the same state.
import * as fs from 'fs';
import { binding } from '../native';

const POSIX_FADV_DONTNEED = 4;
const WARM_CHUNK = 1024 * 1024;

/**
 * Writes back and evicts the file's cached pages, so reads go to the disk.
 * DONTNEED skips dirty pages, hence the fdatasync first.
 */
export function evict(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fdatasyncSync(fd);
    binding.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads the first `size` bytes of the file through the page cache, so it is all cached. */
export async function warm(file: string, size: number): Promise<void> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(WARM_CHUNK);
    for (let pos = 0; pos < size; pos += WARM_CHUNK) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(WARM_CHUNK, size - pos), pos);
      if (bytesRead === 0) break;
    }
  } finally {
    await fh.close();
  }
}
