// Child process of the whole-file benchmark: touches fresh memory, then times one
// whole-file read or write (Node's fs or linux-aio/fs) and prints one JSON line.
import '../index';
import * as fs from 'fs';
import * as fsp from 'fs/promises';
import { performance } from 'perf_hooks';
import { open, readFile, writeFile } from '../fs';

/** What the parent asks for. */
export interface WholeTask {
  mode: 'readfile' | 'writefile' | 'stream-read' | 'stream-write';
  variant: 'node' | 'aio' | 'aio-direct';
  file: string;
  size: number;
  bs: number;
  touchBytes: number;
  readAhead?: number;
  writeBehind?: number;
}

/** What the child prints. */
export interface WholeResult {
  bytes: number;
  ms: number;
  cpuMs: number;
}

const PAGE = 4096;
const TOUCH_CHUNK = 256 * 1024 * 1024;

/**
 * Touches `bytes` of new memory, one write per page, and frees it: the VM hands
 * freed memory back to its host, and the first touch of a page costs a host fault;
 * afterwards the timed run's allocations find pages the host has backed.
 */
function touchMemory(bytes: number): void {
  let held: Buffer[] = [];
  for (let done = 0; done < bytes; done += TOUCH_CHUNK) {
    const b = Buffer.allocUnsafeSlow(Math.min(TOUCH_CHUNK, bytes - done));
    for (let i = 0; i < b.length; i += PAGE) b[i] = 1;
    held.push(b);
  }
  held = [];
  (globalThis as { gc?: () => void }).gc?.();
}

/** Incompressible data, different in every 4 KiB. */
function makeData(size: number): Buffer {
  const data = Buffer.allocUnsafeSlow(size);
  const seed = Buffer.alloc(1 << 20);
  for (let i = 0; i < seed.length; i += 4) seed.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
  for (let pos = 0; pos < size; pos += seed.length) {
    seed.copy(data, pos, 0, Math.min(seed.length, size - pos));
    for (let b = pos; b + 8 <= Math.min(pos + seed.length, size); b += PAGE) data.writeDoubleLE(b, b);
  }
  return data;
}

async function consume(stream: NodeJS.ReadableStream): Promise<number> {
  let n = 0;
  for await (const c of stream) n += (c as Buffer).length;
  return n;
}

async function writeStream(stream: NodeJS.WritableStream, data: Buffer, bs: number): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => {
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  for (let pos = 0; pos < data.length; pos += bs) {
    if (!stream.write(data.subarray(pos, Math.min(pos + bs, data.length)))) await new Promise((r) => stream.once('drain', r));
  }
  stream.end();
  await closed;
}

async function timed(t: WholeTask, data: Buffer | null): Promise<number> {
  const direct = t.variant === 'aio-direct';
  const node = t.variant === 'node';
  switch (t.mode) {
    case 'readfile':
      return (node ? await fsp.readFile(t.file) : await readFile(t.file, { direct })).length;
    case 'writefile':
      if (node) await fsp.writeFile(t.file, data!);
      else await writeFile(t.file, data!, { direct });
      return data!.length;
    case 'stream-read': {
      if (node) return consume(fs.createReadStream(t.file, { highWaterMark: t.bs }));
      const fh = await open(t.file, 'r', undefined, { direct });
      return consume(fh.createReadStream({ highWaterMark: t.bs, readAhead: t.readAhead }));
    }
    case 'stream-write': {
      if (node) await writeStream(fs.createWriteStream(t.file, { highWaterMark: t.bs }), data!, t.bs);
      else {
        const fh = await open(t.file, 'w', undefined, { direct });
        await writeStream(fh.createWriteStream({ highWaterMark: t.bs, writeBehind: t.writeBehind }), data!, t.bs);
      }
      return data!.length;
    }
  }
}

async function main(): Promise<void> {
  const t = JSON.parse(process.argv[2]) as WholeTask;
  touchMemory(t.touchBytes);
  const data = t.mode === 'writefile' || t.mode === 'stream-write' ? makeData(t.size) : null;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const bytes = await timed(t, data);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const out: WholeResult = { bytes, ms, cpuMs: (c.user + c.system) / 1000 };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
