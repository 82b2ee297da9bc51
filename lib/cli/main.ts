#!/usr/bin/env node
// `linux-aio` command line: `linux-aio bench [options]`.

const USAGE = `usage: linux-aio bench [options]    (linux-aio bench --help for the options)\n`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'bench') {
    // Loaded here, not at the top, so that a package that cannot load (not Linux,
    // no binary) is reported in one line rather than as a stack trace.
    const { bench } = await import('./bench');
    return bench(rest);
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(command === undefined ? USAGE : `linux-aio: unknown command '${command}'\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const known = (err as { code?: unknown }).code === 'ERR_LINUX_AIO_PLATFORM';
    process.stderr.write(`linux-aio: ${err instanceof Error ? (known ? err.message : (err.stack ?? err.message)) : String(err)}\n`);
    process.exitCode = 1;
  },
);
