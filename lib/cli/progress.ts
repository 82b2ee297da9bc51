// Progress on stderr: a bar with live IOPS on a terminal, plain lines otherwise
// (logs, CI, pipes), so that stdout carries only the table or the JSON.
import type { EngineRow } from './results';
import { formatCount, formatNumber } from './units';

const BAR = 24;

/** Reports each engine's progress. */
export class Progress {
  readonly #out: NodeJS.WritableStream;
  readonly #tty: boolean;
  #engine = '';
  #runtimeMs = 0;
  #lastDraw = 0;

  constructor(out: NodeJS.WritableStream & { isTTY?: boolean }) {
    this.#out = out;
    this.#tty = out.isTTY === true && process.env.TERM !== 'dumb';
  }

  /** A free-standing line (what is being prepared). */
  note(text: string): void {
    this.#clear();
    this.#out.write(`${text}\n`);
  }

  /** An engine starts. */
  begin(engine: string, runtimeMs: number): void {
    this.#engine = engine;
    this.#runtimeMs = runtimeMs;
    this.#lastDraw = 0;
    if (this.#tty) this.update(0, 0);
    else this.#out.write(`${engine}: running\n`);
  }

  /** The engine has done `ops` requests (null: unknown, as for fio) in `elapsedMs`. */
  update(ops: number | null, elapsedMs: number): void {
    if (!this.#tty) return;
    const now = Date.now();
    if (now - this.#lastDraw < 100 && elapsedMs > 0) return;
    this.#lastDraw = now;
    const frac = Math.min(1, this.#runtimeMs > 0 ? elapsedMs / this.#runtimeMs : 0);
    const filled = Math.round(frac * BAR);
    const iops = ops !== null && elapsedMs > 0 ? `${formatCount((ops / elapsedMs) * 1000)} IOPS` : '';
    const bar = '█'.repeat(filled) + '░'.repeat(BAR - filled);
    this.#out.write(`\r\x1b[K${this.#engine.padEnd(8)} ${bar} ${String(Math.round(frac * 100)).padStart(3)}%  ${iops}`);
  }

  /** The engine is done; `label` names the run (default: the engine). */
  end(row: EngineRow, label: string = row.engine): void {
    this.#clear();
    if (row.error !== undefined) {
      this.#out.write(`${label}: cannot run: ${row.error}\n`);
    } else {
      const lat = row.latUs !== null ? `, p99 ${formatNumber(row.latUs.p99)} µs` : '';
      this.#out.write(`${label}: ${formatCount(row.iops ?? 0)} IOPS${lat}\n`);
    }
  }

  #clear(): void {
    if (this.#tty) this.#out.write('\r\x1b[K');
  }
}
