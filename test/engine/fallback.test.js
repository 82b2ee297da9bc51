// Where kernel AIO is missing: io_setup answers ENOSYS (no CONFIG_AIO) or EPERM
// (seccomp), simulated with LINUX_AIO_FAULTS. The package loads, new AioContext()
// explains, and { fallback: 'threadpool' } runs the whole API on helper threads
// (test/fixtures/fallback-run.js runs the checks in a child process).
'use strict';
const path = require('path');
const { AioContext } = require('linux-aio');
const { runNode } = require('../helpers');

const script = path.join(__dirname, '..', 'fixtures', 'fallback-run.js');

describe.each(['ENOSYS', 'EPERM'])('io_setup answers %s', (code) => {
  let results;
  beforeAll(() => {
    const r = runNode([script], { env: { LINUX_AIO_FAULTS: `io_setup=${code}`, EXPECT_CODE: code }, timeout: 60000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    results = JSON.parse(r.stdout).results;
  });
  const names = [
    'the package loads',
    'new AioContext() throws a clear error',
    "{ fallback: 'threadpool' } runs, and says so",
    'write, read, short read at EOF, read past EOF',
    'writev and readv, many buffers',
    'fsync and fdatasync',
    'dsync/sync flags',
    'errors: EBADF for a closed fd and a read-only fd, EISDIR, EINVAL',
    'O_APPEND writes land in issue order',
    'abort: before issue and while queued',
    'many requests beyond the depth, with data checked',
    'counters add up',
    'close: earlier requests settle, later ones are refused, no fds left',
    'dropped threadpool contexts: the process still exits on its own',
  ];
  test('every check ran', () => {
    expect(results.map((r) => r.name)).toEqual(names);
  });
  test.each(names)('%s', (name) => {
    const r = results.find((x) => x.name === name);
    expect(r && (r.ok || r.error)).toBe(true);
  });
});

test('other io_setup failures are not hidden by the fallback (EAGAIN stays EAGAIN)', () => {
  const code = `
    const { AioContext } = require('linux-aio');
    try { new AioContext({ fallback: 'threadpool' }); console.log('created'); }
    catch (e) { console.log(e.code, /aio-max-nr/.test(e.message)); }`;
  const r = runNode(['-e', code], { env: { LINUX_AIO_FAULTS: 'io_setup=EAGAIN@1' }, cwd: path.join(__dirname, '..', '..') });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe('EAGAIN true');
});

test('with kernel AIO present, fallback: threadpool still uses the kernel', async () => {
  const ctx = new AioContext({ fallback: 'threadpool' });
  expect(ctx.stats().backend).toBe('kernel');
  await ctx.close();
  expect(ctx.stats().backend).toBe('kernel');
});
