// The addon is never unloaded. Node dlcloses an addon when the last worker
// thread that loaded it exits, but threads of the addon outlive the worker: a
// context's io_destroy runs on a thread of its own at the worker's exit (it
// waits for the requests in flight), and the helper threads belong to the
// process. Unloaded under them, they ran into unmapped code (SIGSEGV, about one
// run in four of the worker leak test under load). In a child whose main
// thread never loads the addon.
'use strict';
const path = require('path');
const { runNode } = require('../helpers');

test('the addon stays loaded after the only worker that loaded it exits', () => {
  const child = `
    const fs = require('fs');
    const { Worker } = require('worker_threads');
    const mapped = () => fs.readFileSync('/proc/self/maps', 'utf8').includes('linux_aio');
    const body = \`
      const { parentPort } = require('worker_threads');
      const { AioContext } = require(${JSON.stringify(path.join(__dirname, '..', '..'))});
      globalThis.ctx = new AioContext(); // left open: destroyed when the worker ends
      parentPort.postMessage('ready');
    \`;
    (async () => {
      const before = mapped();
      const w = new Worker(body, { eval: true });
      await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
      await new Promise((resolve) => w.once('exit', resolve));
      await new Promise((resolve) => setTimeout(resolve, 100));
      console.log(JSON.stringify({ before, after: mapped() }));
    })();
  `;
  const r = runNode(['-e', child]);
  expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  expect(JSON.parse(r.stdout)).toEqual({ before: false, after: true });
});
