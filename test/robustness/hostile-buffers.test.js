// Issue 8: nothing a caller does to a buffer or an argument after the call may
// corrupt memory, crash the process, or change what a request touches. Each
// scenario runs in a child process (node --expose-gc), since the failure it
// guards against is a crash or a corrupted heap.
'use strict';
const path = require('path');
const { runNode, skipNote } = require('../helpers');

const fixture = path.join(__dirname, '..', 'fixtures', 'hostile-buffers.js');

function run(scenario, opts = {}, env = {}) {
  const r = runNode(['--expose-gc', fixture, scenario, JSON.stringify(opts)], { env, timeout: 60000 });
  if (r.status !== 0 || r.signal) {
    throw new Error(`child ${scenario} ${JSON.stringify(opts)}: status ${r.status} signal ${r.signal}\n${r.stdout}\n${r.stderr}`);
  }
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  if (out.error) throw new Error(out.error);
  return out;
}

const THREADPOOL = { LINUX_AIO_FAULTS: 'io_setup=ENOSYS' };

describe.each([
  ['kernel', {}],
  ['threadpool', THREADPOOL],
])('a read whose buffer is transferred and collected in flight (%s backend)', (backend, env) => {
  test.each([
    ['O_DIRECT', 'direct', 'structuredClone'],
    ['buffered', 'buffered', 'structuredClone'],
    ['FIFO', 'fifo', 'structuredClone'],
    ['FIFO', 'fifo', 'postMessage'],
  ])('%s, detached by %s: no write into freed memory, EFAULT for the detached ones', (_, kind, route) => {
    const out = run('detach-read', { kind, route }, env);
    expect(out.backend).toBe(backend);
    expect(out.found).toBe(0); // no fresh buffer received the file's bytes
    // A detached view got nothing; a read that settled before the transfer is whole.
    for (const r of out.detached) expect([4096, 'EFAULT']).toContain(r);
    if (kind === 'fifo') expect(out.detached.every((r) => r === 'EFAULT')).toBe(true);
    expect(out.kept.every((r) => r === 4096)).toBe(true);
    expect(out.keptData).toBe(true);
    expect(out.canaries).toBe(true);
  });

  test('allocAligned buffers stay valid: every read lands whole in package memory', () => {
    for (const kind of ['direct', 'fifo']) {
      const out = run('detach-read', { kind, owned: true }, env);
      expect(out.found).toBe(0);
      expect([...out.detached, ...out.kept].every((r) => r === 4096)).toBe(true);
      expect(out.ownedData).toBe(true);
    }
  });
});

test('ArrayBuffer.prototype.transfer in flight (on a Node that has it)', () => {
  // Node 20 has no ArrayBuffer.prototype.transfer: run the scenario under the
  // Node 22 build that CI installs (scripts/test-runtimes.sh), same addon.
  const { runtime } = require('../package/helpers');
  const node = typeof ArrayBuffer.prototype.transfer === 'function' ? process.execPath : runtime('node22-x64') ?? runtime('node24-x64');
  if (node === null) {
    skipNote('ArrayBuffer.prototype.transfer route', `Node ${process.version} has none, and no Node 22/24 build is installed (bash scripts/test-runtimes.sh)`);
    return;
  }
  for (const owned of [false, true]) {
    const r = require('child_process').spawnSync(node, ['--expose-gc', fixture, 'detach-read', JSON.stringify({ kind: 'fifo', route: 'transfer', owned })], { encoding: 'utf8', timeout: 60000 });
    expect({ status: r.status, signal: r.signal }).toEqual({ status: 0, signal: null });
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    expect(out.found).toBe(0);
    if (owned) expect([...out.detached, ...out.kept].every((x) => x === 4096)).toBe(true);
    else expect(out.detached.every((x) => x === 'EFAULT')).toBe(true);
  }
});

test('resize: a shrunk buffer gets nothing (EFAULT), a grown one only what was named', () => {
  const out = run('resize');
  expect(out.shrunk).toEqual({ code: 'EFAULT' });
  expect(out.shrunkLength).toBe(0);
  expect(out.grown).toEqual({ ok: 4096 });
  expect(out.sab).toEqual({ ok: 4096 });
  expect(out.sabData).toBe(9);
});

test('writev: buffers transferred in flight; the file gets the bytes they held', () => {
  const out = run('detach-writev');
  expect(out.res).toEqual({ ok: 3000 });
  expect(out.sameBytes).toBe(true);
  expect(out.found).toBe(0);
});

test('a view detached between the call and the submission fails EFAULT, touching nothing', () => {
  const out = run('detach-before-submit');
  expect(out.read).toEqual({ code: 'EFAULT' });
  expect(out.write).toEqual({ code: 'EFAULT' });
  expect(out.file).toBe(true);
});

test('readv/writev read the array once, at the call', () => {
  const out = run('vectors');
  expect(out.wrote).toBe(578);
  expect(out.file).toBe(true);
  expect(out.tricky).toEqual({ ok: 10 });
  expect(out.reads).toBe(1);
  expect(out.innocent).toEqual({ ok: 5 });
  expect(out.throwing).toEqual({ code: 'E_USER' });
  expect(out.inFlight).toBe(0);
  expect(out.closed).toBe(true);
});

test('views whose getters lie touch only their real bytes; coded errors for the rest', () => {
  const out = run('lying-views');
  expect(out.ctxRead).toEqual({ ok: 8 });
  expect(out.ctxOnlyNamed).toBe(true);
  expect(out.otherUntouched).toBe(true);
  expect(out.posixError).toBe(0);
  expect(out.posixReturn).toBe(8);
  expect(out.posixOnlyNamed).toBe(true);
  expect(out.otherUntouched2).toBe(true);
  expect(out.bigError).toBe(22); // aio_nbytes beyond the real view: EINVAL
  expect(out.detachedDvError).toBe(22);
  expect(out.ctxDetachedDv).toEqual({ ok: 0 });
});

test('lio_listio(LIO_WAIT) settles only when every queued entry is final', () => {
  const out = run('listio-throwing-entry');
  expect(out.early).toBe(null); // not settled while the FIFO read waited
  expect(out.outcome).toBe('EIO');
  expect(out.firstAtSettle).toBe(0);
  expect(out.firstReturn).toBe(10);
  expect(out.bad).toBe(22);
  expect(out.badOp).toBe(22);
});

test('POSIX: buffers transferred under aio_read and lio_listio', () => {
  const out = run('posix-detach');
  expect(out.found).toBe(0);
  expect(out.single).toBe(14); // EFAULT
  expect(out.list).toEqual(Array(8).fill(14));
});
