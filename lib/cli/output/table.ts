// The text table: a Markdown pipe table, so it reads in a terminal and pastes into a README.
import { machineLine } from '../machine';
import type { EngineRow } from '../results';
import { formatCount, formatNumber } from '../units';
import type { BenchReport } from './report';

const HEADERS = ['engine', 'IOPS', 'MiB/s', 'p50 µs', 'p99 µs', 'p99.9 µs', 'CPU µs/op', 'loop p99 ms', 'vs fs'];

function cells(r: EngineRow): string[] {
  if (r.error !== undefined) return [r.engine, `cannot run: ${r.error}`];
  const n = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : formatNumber(v));
  return [
    r.engine,
    formatCount(r.iops ?? 0),
    n(r.mibps),
    n(r.latUs?.p50),
    n(r.latUs?.p99),
    n(r.latUs?.p999),
    n(r.cpuUsPerOp),
    n(r.loopDelayP99Ms),
    r.ratioToFs === null ? 'n/a' : `${r.ratioToFs.toFixed(2)}×`,
  ];
}

/** The table of rows alone. */
export function formatRows(rows: EngineRow[]): string {
  const body = rows.map(cells);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...body.filter((c) => c.length === HEADERS.length).map((c) => c[i].length)));
  const line = (c: string[]): string => {
    if (c.length !== HEADERS.length) return `| ${c[0].padEnd(widths[0])} | ${c[1]} |`;
    return `| ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ')} |`;
  };
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(HEADERS), rule, ...body.map(line)].join('\n');
}

/** The full text output: job, machine, table, and notes on how engines ran. */
export function formatTable(report: BenchReport): string {
  const notes = report.engines.filter((r) => r.note !== undefined && r.error === undefined).map((r) => `${r.engine}: ${r.note}`);
  const file = `${report.job.filename}${report.job.createdFile ? ' (created for this run, removed afterwards)' : ''}`;
  return [
    `job:     ${report.job.description}`,
    `file:    ${file}`,
    `machine: ${machineLine(report.machine)}`,
    '',
    formatRows(report.engines),
    ...(notes.length > 0 ? ['', `notes: ${notes.join('; ')}`] : []),
    '',
  ].join('\n');
}
