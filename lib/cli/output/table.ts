// The text table: a Markdown pipe table, so it reads in a terminal and pastes into a README.
import { machineLine } from '../machine';
import type { EngineRow } from '../results';
import { formatCount, formatNumber } from '../units';
import type { BenchReport } from './report';

const BASE_HEADERS = ['engine', 'IOPS', 'MiB/s', 'p50 µs', 'p99 µs', 'p99.9 µs', 'CPU µs/op', 'loop p99 ms', 'vs fs'];
// --breakdown: p50/p99 of each stage of a request (see AioContext.timings()).
const BREAKDOWN_HEADERS = ['queued µs', 'in kernel µs', 'delivered µs'];

function stageCells(r: EngineRow): string[] {
  const b = r.breakdownUs;
  if (b === undefined) return ['n/a', 'n/a', 'n/a'];
  return [b.queued, b.inKernel, b.delivered].map((p) => `${formatNumber(p.p50)} / ${formatNumber(p.p99)}`);
}

function cells(r: EngineRow, breakdown: boolean): string[] {
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
    ...(breakdown ? stageCells(r) : []),
  ];
}

/** The table of rows alone; with `breakdown`, the columns of each stage's p50 / p99. */
export function formatRows(rows: EngineRow[], breakdown = false): string {
  const HEADERS = breakdown ? [...BASE_HEADERS, ...BREAKDOWN_HEADERS] : BASE_HEADERS;
  const body = rows.map((r) => cells(r, breakdown));
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...body.filter((c) => c.length === HEADERS.length).map((c) => c[i].length)));
  const line = (c: string[]): string => {
    if (c.length !== HEADERS.length) return `| ${c[0].padEnd(widths[0])} | ${c[1]} |`;
    return `| ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ')} |`;
  };
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(HEADERS), rule, ...body.map(line)].join('\n');
}

// --rounds: each engine's IOPS round by round, beside the other engines' runs
// of the same round.
function roundLines(rows: EngineRow[]): string[] {
  const ran = rows.filter((r) => r.roundsIops !== undefined && r.error === undefined);
  if (ran.length === 0) return [];
  const fmt = (v: number | null): string => (v === null ? 'failed' : formatCount(v));
  return ['', 'IOPS by round:', ...ran.map((r) => `  ${r.engine.padEnd(9)} ${r.roundsIops!.map(fmt).join(', ')}`)];
}

/** The full text output: job, machine, table, and notes on how engines ran. */
export function formatTable(report: BenchReport, breakdown = false): string {
  const notes = report.engines.filter((r) => r.note !== undefined && r.error === undefined).map((r) => `${r.engine}: ${r.note}`);
  const file = `${report.job.filename}${report.job.createdFile ? ' (created for this run, removed afterwards)' : ''}`;
  return [
    `job:     ${report.job.description}`,
    `file:    ${file}`,
    `machine: ${machineLine(report.machine)}`,
    '',
    formatRows(report.engines, breakdown),
    ...roundLines(report.engines),
    ...(notes.length > 0 ? ['', `notes: ${notes.join('; ')}`] : []),
    '',
  ].join('\n');
}
