// Leaves nothing behind: the file the benchmark created is removed on success,
// failure, Ctrl-C and SIGTERM, and running engines (children, fio) are stopped.
import * as fs from 'fs';
import { constants } from 'os';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const EXIT_WAIT_MS = 2000;

/** Tracks what to undo, and undoes it at the end or on a signal. */
export class Cleanup {
  #file: string | undefined;
  readonly #running = new Map<() => void, Promise<unknown>>();
  #stopping = false;
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    const code = 128 + (constants.signals[signal] ?? 1);
    if (this.#stopping) process.exit(code); // a second Ctrl-C: do not wait
    this.#stopping = true;
    process.stderr.write(`\nlinux-aio bench: ${signal}: stopping${this.#file !== undefined ? `, removing ${this.#file}` : ''}\n`);
    const exits = [...this.#running.values()];
    this.stopAll();
    this.removeFile();
    // Reap the stopped engines (fio needs a moment to stop its job process), but not for long.
    const limit = new Promise((resolve) => setTimeout(resolve, EXIT_WAIT_MS).unref());
    void Promise.race([Promise.allSettled(exits), limit]).then(() => process.exit(code));
  };
  // Last resort, if the process exits some other way (an uncaught error).
  readonly #onExit = (): void => {
    this.stopAll();
    this.removeFile();
  };

  constructor() {
    for (const s of SIGNALS) process.on(s, this.#onSignal);
    process.on('exit', this.#onExit);
  }

  /** From now on, `file` is ours: remove it at the end. */
  ownFile(file: string): void {
    this.#file = file;
  }

  /**
   * Registers a running engine: how to stop it, and a promise that settles when it
   * has exited. Returns the function that unregisters it.
   */
  track(stop: () => void, exited: Promise<unknown>): () => void {
    this.#running.set(stop, exited);
    return () => this.#running.delete(stop);
  }

  /** Stops every running engine. */
  stopAll(): void {
    for (const stop of this.#running.keys()) {
      try {
        stop();
      } catch {
        // already gone
      }
    }
    this.#running.clear();
  }

  /** Removes the file we created (if any); safe to call twice. */
  removeFile(): void {
    if (this.#file === undefined) return;
    try {
      fs.unlinkSync(this.#file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') process.stderr.write(`linux-aio bench: could not remove ${this.#file}: ${(err as Error).message}\n`);
    }
    this.#file = undefined;
  }

  /** Cleans up and removes the handlers. */
  dispose(): void {
    this.stopAll();
    this.removeFile();
    for (const s of SIGNALS) process.off(s, this.#onSignal);
    process.off('exit', this.#onExit);
  }
}
