// Finds and loads the compiled addon, in this order:
//   1. LINUX_AIO_BINDING, a path to another build (the sanitizer build of
//      `npm run test:asan`);
//   2. a local build, build/Release or build/Debug (`npm install` from source,
//      `node-gyp rebuild`);
//   3. the prebuilt binary for this platform, arch and C library:
//      prebuilds/linux-<arch>/linux-aio.<glibc|musl>.node (prebuildify's
//      `--tag-libc` names, as node-gyp-build reads them).
// When none loads: one error, ERR_LINUX_AIO_NO_BINARY, that says what this
// system is, what was tried, and what to do.
//
// Run as a script (`node dist/loader.js`), it exits 0 when a binary loads and 1
// (with the message) when none does: the package's install script uses that to
// skip node-gyp when a prebuilt binary serves.
import * as fs from 'fs';
import * as path from 'path';

/** The error thrown when no binary for this system can be loaded. */
export interface NoBinaryError extends Error {
  code: 'ERR_LINUX_AIO_NO_BINARY';
  platform: string;
  arch: string;
  /** `'glibc'`, `'musl'`, or `'unknown'`. */
  libc: string;
  /** The running glibc's version (`'2.36'`), or `null` where the C library is not glibc. */
  glibcVersion: string | null;
  /** Each binary tried, and why it did not load. */
  tried: { path: string; error: string }[];
}

/** The oldest glibc the prebuilt glibc binaries run on (scripts/prebuild.js). */
const MIN_GLIBC = '2.28';
const PACKAGE = 'linux-aio';

/**
 * The C library of this process: from the libraries mapped into it (no
 * process report, which takes tens of milliseconds), LIBC overriding as it
 * does for node-gyp-build.
 * @internal
 */
export function detectLibc(): 'glibc' | 'musl' | 'unknown' {
  const forced = process.env.LIBC;
  if (forced === 'glibc' || forced === 'musl') return forced;
  let maps = '';
  try {
    maps = fs.readFileSync('/proc/self/maps', 'utf8');
  } catch {}
  if (/\/(ld-musl-[^/\s]*\.so\.1|libc\.musl-[^/\s]*\.so\.1)\s*$/m.test(maps)) return 'musl';
  if (/\/(libc\.so\.6|libc-2\.\d+\.so)\s*$/m.test(maps)) return 'glibc';
  // A statically linked Node, or no procfs: ask the process report.
  return glibcVersion() !== null ? 'glibc' : 'unknown';
}

/** The running glibc's version, or null. @internal */
export function glibcVersion(): string | null {
  try {
    const report = process.report as unknown as { excludeNetwork?: boolean; getReport(): { header?: { glibcVersionRuntime?: string } } };
    const before = report.excludeNetwork;
    report.excludeNetwork = true;
    try {
      return report.getReport().header?.glibcVersionRuntime ?? null;
    } finally {
      report.excludeNetwork = before;
    }
  } catch {
    return null;
  }
}

function versionBelow(a: string, b: string): boolean {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  }
  return false;
}

function nodeFiles(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.node'))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/**
 * The prebuilt binaries of `dir` for this arch and libc, most specific first:
 * those tagged with the libc (both, glibc's first, when it is unknown), then
 * untagged ones.
 * @internal
 */
export function prebuildCandidates(root: string, arch: string, libc: string): string[] {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${arch}`);
  const tagged: string[] = [];
  const untagged: string[] = [];
  for (const file of nodeFiles(dir)) {
    const tags = path.basename(file).split('.').slice(1, -1);
    const fileLibc = tags.find((t) => t === 'glibc' || t === 'musl');
    if (fileLibc === undefined) untagged.push(file);
    else if (fileLibc === libc || libc === 'unknown') tagged.push(file);
  }
  // C library unknown: glibc's first (the common case); a wrong one fails to load, harmlessly.
  if (libc === 'unknown') tagged.sort((a, b) => Number(a.includes('.musl.')) - Number(b.includes('.musl.')));
  return [...tagged, ...untagged];
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}

/** Builds the ERR_LINUX_AIO_NO_BINARY error. @internal */
export function noBinaryError(root: string, libc: string, tried: { path: string; error: string }[]): NoBinaryError {
  const glibc = libc === 'musl' ? null : glibcVersion();
  const arch = process.arch;
  const libcText = glibc !== null ? `glibc ${glibc}` : libc === 'musl' ? 'musl' : libc === 'glibc' ? 'glibc (version unknown)' : 'unknown C library';
  const system = `${process.platform}-${arch}, ${libcText}, Node ${process.versions.node}`;
  const lines = [`${PACKAGE}: no native binary could be loaded for this system (${system}).`];
  if (tried.length === 0) {
    lines.push(`  There is no prebuilt binary for it in ${path.join(root, 'prebuilds')} and no local build in ${path.join(root, 'build')}.`);
  } else {
    for (const t of tried) lines.push(`  ${path.relative(root, t.path) || t.path}: ${t.error}`);
  }
  if (glibc !== null && versionBelow(glibc, MIN_GLIBC)) {
    lines.push(`  The prebuilt glibc binaries need glibc ${MIN_GLIBC} or later; this system has ${glibc}.`);
  }
  if (arch !== 'x64' && arch !== 'arm64') lines.push(`  Prebuilt binaries exist for x64 and arm64 only; this is ${arch}.`);
  lines.push(
    `  To build it from source: install python3, make and a C++17 compiler (g++ or clang++), then run` +
      ` \`npm rebuild ${PACKAGE}\` (or reinstall without --ignore-scripts).`,
  );
  const err = new Error(lines.join('\n')) as NoBinaryError;
  return Object.assign(err, { code: 'ERR_LINUX_AIO_NO_BINARY' as const, platform: process.platform, arch, libc, glibcVersion: glibc, tried });
}

/**
 * Loads the addon of the package whose root is `root`.
 * @internal
 */
export function loadAddon<T>(root: string): T {
  const override = process.env.LINUX_AIO_BINDING;
  if (override) return require(path.resolve(override)) as T;
  const tried: { path: string; error: string }[] = [];
  const attempt = (file: string): T | undefined => {
    try {
      return require(file) as T;
    } catch (err) {
      tried.push({ path: file, error: firstLine(err) });
      return undefined;
    }
  };
  for (const file of [...nodeFiles(path.join(root, 'build', 'Release')), ...nodeFiles(path.join(root, 'build', 'Debug'))]) {
    const addon = attempt(file);
    if (addon !== undefined) return addon;
  }
  const libc = detectLibc();
  for (const file of prebuildCandidates(root, process.arch, libc)) {
    const addon = attempt(file);
    if (addon !== undefined) return addon;
  }
  throw noBinaryError(root, libc, tried);
}

if (require.main === module) {
  try {
    loadAddon(path.join(__dirname, '..'));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
