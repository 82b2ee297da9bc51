/**
 * linux-aio/fs: Node's `fs/promises` file API (open, FileHandle, readFile,
 * writeFile, appendFile, streams) with reads and writes on kernel AIO.
 * Switch with one import: `import { open, readFile } from 'linux-aio/fs'`.
 * @packageDocumentation
 */
import '../index';

export { open } from './open';
export { AioFileHandle } from './handle';
export type { Alignment, ReadOptions, ReadResult, WriteResult } from './handle';
export { readFile, writeFile, appendFile, WHOLE_IO } from './whole';
export { AioReadStream, AioWriteStream, DEFAULT_READ_AHEAD, DEFAULT_DIRECT_READ_AHEAD, DEFAULT_WRITE_BEHIND } from './streams';
export type { ReadStreamOptions, WriteStreamOptions } from './streams';
export type { OpenOptions, ReadFileOptions, WriteFileOptions } from './options';
export { defaultContext } from './context';
export { constants } from 'fs';
