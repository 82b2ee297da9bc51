// The --report page: self-contained (inline CSS and SVG, no scripts, no network),
// with the table and one latency-distribution chart per engine on a shared log axis.
import type { HistogramBins } from '../histogram';
import { machineLine } from '../machine';
import type { EngineOutcome } from '../results';
import { formatCount, formatNumber } from '../units';
import type { BenchReport } from './report';

const W = 640;
const H = 150;
const PAD_L = 56;
const PAD_B = 26;
const PAD_R = 28;
const BARS = 80;
const Y_FLOOR = -6; // shares below 1e-6 of the requests are not drawn
const COLORS: Record<string, string> = { aio: '#2563eb', lio: '#7c3aed', fs: '#d97706', 'fs-pool': '#b45309', 'fs-uring': '#92400e', fio: '#059669', 'fio-uring': '#047857' };

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Spreads each bin's count over display bars, evenly in log space; returns fractions. */
function rebin(bins: HistogramBins, lo: number, hi: number): number[] {
  const out = new Array<number>(BARS).fill(0);
  const l0 = Math.log(lo);
  const span = Math.log(hi) - l0;
  let total = 0;
  for (const [a, b, n] of bins) {
    total += n;
    const x0 = ((Math.log(Math.max(a, lo)) - l0) / span) * BARS;
    const x1 = ((Math.log(Math.max(b, a + 1, lo)) - l0) / span) * BARS;
    if (x1 - x0 < 1e-9) {
      out[Math.min(BARS - 1, Math.max(0, Math.floor(x0)))] += n;
      continue;
    }
    for (let i = Math.max(0, Math.floor(x0)); i < Math.min(BARS, Math.ceil(x1)); i++) {
      out[i] += (n * (Math.min(i + 1, x1) - Math.max(i, x0))) / (x1 - x0);
    }
  }
  return total > 0 ? out.map((v) => v / total) : out;
}

function formatShare(f: number): string {
  const pct = f * 100;
  return `${pct >= 1 ? pct.toFixed(0) : pct.toPrecision(1).replace(/^0\./, '.')}%`;
}

function chart(o: EngineOutcome, lo: number, hi: number): string {
  const row = o.row;
  if (o.bins === null || o.bins.length === 0 || row.latUs === null) return '';
  const fr = rebin(o.bins, lo, hi);
  // Log scale for the share, so that the tail (p99.9 and beyond) is visible next to the peak.
  const top = Math.log10(Math.max(...fr, 1e-9));
  const bottom = Y_FLOOR;
  const plotW = W - PAD_L - PAD_R;
  const plotH = H - PAD_B - 8;
  const bw = plotW / BARS;
  const x = (ns: number): number => PAD_L + ((Math.log(ns) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * plotW;
  const color = COLORS[row.engine] ?? '#555';
  const parts: string[] = [];
  fr.forEach((f, i) => {
    if (f <= 10 ** bottom) return;
    const h = ((Math.log10(f) - bottom) / (top - bottom)) * plotH;
    parts.push(`<rect x="${(PAD_L + i * bw).toFixed(1)}" y="${(8 + plotH - h).toFixed(1)}" width="${Math.max(bw - 1, 0.5).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"/>`);
  });
  // Decade ticks in µs.
  for (let us = 10 ** Math.floor(Math.log10(lo / 1000)); us * 1000 <= hi; us *= 10) {
    if (us * 1000 < lo) continue;
    const tx = x(us * 1000).toFixed(1);
    parts.push(`<line x1="${tx}" y1="8" x2="${tx}" y2="${8 + plotH}" class="grid"/>`);
    parts.push(`<text x="${tx}" y="${H - 8}" text-anchor="middle">${us >= 1000 ? `${us / 1000} ms` : `${us} µs`}</text>`);
  }
  // Labels on three heights, so that close percentiles do not overprint.
  const marks = [['p50', row.latUs.p50], ['p99', row.latUs.p99], ['p99.9', row.latUs.p999]] as const;
  marks.forEach(([label, us], i) => {
    if (!(us > 0)) return;
    const px = x(us * 1000).toFixed(1);
    parts.push(`<line x1="${px}" y1="8" x2="${px}" y2="${8 + plotH}" class="mark"/><text x="${px}" y="${18 + 12 * i}" dx="3" class="marklabel">${label}</text>`);
  });
  for (let e = Math.ceil(bottom); e <= top + 1e-9; e += 2) {
    const ty = (8 + plotH - ((e - bottom) / (top - bottom)) * plotH).toFixed(1);
    parts.push(`<line x1="${PAD_L - 3}" y1="${ty}" x2="${PAD_L}" y2="${ty}" class="axisline"/><text x="${PAD_L - 5}" y="${ty}" text-anchor="end" dominant-baseline="middle">${formatShare(10 ** e)}</text>`);
  }
  const title = `${row.engine}: latency distribution (${formatCount(row.requests ?? 0)} requests${row.engine.startsWith('fio') ? ', from fio’s percentiles' : ''})`;
  return (
    `<figure><figcaption>${esc(title)}</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">` +
    `<line x1="${PAD_L}" y1="${8 + plotH}" x2="${W - PAD_R}" y2="${8 + plotH}" class="axisline"/>${parts.join('')}</svg></figure>`
  );
}

function tableHtml(report: BenchReport): string {
  const head = ['engine', 'IOPS', 'MiB/s', 'p50 µs', 'p99 µs', 'p99.9 µs', 'CPU µs/op', 'loop p99 ms', 'vs fs'];
  const n = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : formatNumber(v));
  const rows = report.engines.map((r) => {
    if (r.error !== undefined) return `<tr><th>${esc(r.engine)}</th><td colspan="${head.length - 1}" class="err">cannot run: ${esc(r.error)}</td></tr>`;
    const c = [formatCount(r.iops ?? 0), n(r.mibps), n(r.latUs?.p50), n(r.latUs?.p99), n(r.latUs?.p999), n(r.cpuUsPerOp), n(r.loopDelayP99Ms), r.ratioToFs === null ? 'n/a' : `${r.ratioToFs.toFixed(2)}×`];
    return `<tr><th>${esc(r.engine)}</th>${c.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`;
  });
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The HTML page for a run. */
export function renderHtml(report: BenchReport, outcomes: EngineOutcome[]): string {
  const withBins = outcomes.filter((o) => o.bins !== null && o.bins.length > 0);
  let lo = Infinity;
  let hi = 0;
  for (const o of withBins) {
    for (const [a, b] of o.bins!) {
      lo = Math.min(lo, Math.max(a, 100));
      hi = Math.max(hi, b);
    }
  }
  // A shared axis, padded to whole decades, so engines compare at a glance.
  if (withBins.length > 0) {
    lo = 10 ** Math.floor(Math.log10(lo));
    hi = 10 ** Math.ceil(Math.log10(hi));
  }
  const notes = report.engines.filter((r) => r.note !== undefined && r.error === undefined).map((r) => `<li>${esc(`${r.engine}: ${r.note}`)}</li>`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>linux-aio bench: ${esc(report.job.description)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:760px;color:#111;padding:0 1em}
h1{font-size:1.3em}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{font-weight:600}
table{border-collapse:collapse;margin:1em 0;width:100%}th,td{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
th:first-child{text-align:left}td.err{text-align:left;color:#b91c1c;white-space:normal}
figure{margin:1.2em 0}figcaption{font-weight:600;margin-bottom:.3em}
svg text{font:11px system-ui,sans-serif;fill:#444}.grid{stroke:#eee}.axisline{stroke:#999}
.mark{stroke:#111;stroke-dasharray:3 3}.marklabel{fill:#111}
</style></head><body>
<h1>linux-aio bench</h1>
<dl><dt>job</dt><dd>${esc(report.job.description)}</dd><dt>file</dt><dd>${esc(report.job.filename)}${report.job.createdFile ? ' (created for this run, removed afterwards)' : ''}</dd>
<dt>machine</dt><dd>${esc(machineLine(report.machine))}</dd></dl>
${tableHtml(report)}
${notes.length > 0 ? `<ul>${notes.join('')}</ul>` : ''}
<p>Latency: from issuing a request to the caller seeing it complete. CPU: user+sys of the whole process per request. Loop p99: the event loop's 99th percentile delay during the run.</p>
<h2>Latency distributions</h2>
${withBins.map((o) => chart(o, lo, hi)).join('\n')}
</body></html>
`;
}
