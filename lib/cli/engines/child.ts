// Parent side of the engines that run in a Node child process (aio, lio, fs, fs-pool, fs-uring).
import { fork } from 'child_process';
import * as path from 'path';
import type { Job } from '../job';
import type { ChildEngine, RawResult, RunMessage, WorkerMessage } from './types';

/** A running child engine: its result, and a way to stop it. */
export interface ChildRun {
  result: Promise<RawResult>;
  /** Settles when the child has exited. */
  exited: Promise<void>;
  stop(): void;
}

/**
 * The child's environment: only fs-pool gets a bigger libuv pool, and only
 * fs-uring libuv's io_uring path (off by default since CVE-2024-22017); the
 * others get libuv's defaults.
 */
function childEnv(engine: ChildEngine, job: Job): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.UV_THREADPOOL_SIZE;
  delete env.UV_USE_IO_URING;
  if (engine === 'fs-pool') env.UV_THREADPOOL_SIZE = String(job.iodepth);
  if (engine === 'fs-uring') env.UV_USE_IO_URING = '1';
  return env;
}

/** Forks a worker that runs `engine` on the job; `onProgress` gets its request count. */
export function runChild(engine: ChildEngine, job: Job, onProgress: (ops: number, elapsedMs: number) => void): ChildRun {
  const child = fork(path.join(__dirname, '..', 'worker.js'), [], {
    env: childEnv(engine, job),
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // The worker is part of this package: never inherit --inspect or the like.
    execArgv: [],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const result = new Promise<RawResult>((resolve, reject) => {
    let settled: RawResult | Error | undefined;
    child.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'progress') onProgress(msg.ops, msg.elapsedMs);
      else if (msg.type === 'result') settled = msg.result;
      else settled = new Error(msg.message);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (settled instanceof Error) reject(settled);
      else if (settled !== undefined) resolve(settled);
      else {
        const why = stderr.trim().split('\n').filter((l) => l.trim() !== '').slice(-2).join(' ');
        reject(new Error(`the ${engine} worker exited with ${signal ?? `code ${code}`}${why ? `: ${why}` : ''}`));
      }
    });
  });
  const { filename, rw, bs, size, iodepth, numjobs, runtimeMs, direct, lioBatch, buffers } = job;
  const msg: RunMessage = { type: 'run', job: { engine, filename, rw, bs, size, iodepth, numjobs, runtimeMs, direct, lioBatch, buffers } };
  child.send(msg);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    result,
    exited,
    stop: () => {
      // Nothing to clean up in the worker: the kernel closes its fds and reaps its I/O.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
