#!/usr/bin/env node
// `linux-aio` command line: `linux-aio bench [options]`, `--version`, `--help`.
// Every failure is one line on stderr and an exit code, never a stack trace
// (LINUX_AIO_DEBUG=1 adds the stack, for bug reports).
import * as fs from 'fs';
import * as path from 'path';
import { USAGE as BENCH_USAGE } from './args';

const SHORT = `usage: linux-aio bench [options]    (linux-aio --help for the options)\n`;

function version(): string {
  try {
    return String(JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

function help(): string {
  return (
    `linux-aio ${version()}: Linux kernel AIO for Node.js. This command runs its benchmark.\n\n` +
    `usage: linux-aio bench [options]\n` +
    `       linux-aio --version | -v\n` +
    `       linux-aio --help | -h\n\n` +
    BENCH_USAGE.replace(/^usage: .*\n\n?/, '')
  );
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'bench') {
    // Loaded here, not at the top, so that a package that cannot load (not Linux,
    // no binary) is reported in one line rather than as a stack trace.
    const { bench } = await import('./bench');
    return bench(rest);
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(help());
    return 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  process.stderr.write(command === undefined ? SHORT : `linux-aio: unknown command '${command}'\n${SHORT}`);
  return 2;
}

/** One line: the message (its lines joined), with the code when the message lacks it. */
function oneLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const message = err.message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`linux-aio: ${oneLine(err)}\n`);
    if (process.env.LINUX_AIO_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  },
);
