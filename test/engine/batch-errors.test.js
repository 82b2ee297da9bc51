// io_submit stops at the first bad iocb of a batch; every request still gets
// its own result and the good ones around a bad one run.
'use strict';
const fs = require('fs');
const { AioContext } = require('linux-aio');
const { tmpFile, pattern } = require('../helpers');

test('a bad request in the middle of a batch does not take its neighbours down', async () => {
  const ctx = new AioContext({ depth: 16 });
  const { fd, file } = tmpFile();
  const ro = fs.openSync(file, 'r');
  const closed = tmpFile().fd;
  fs.closeSync(closed);
  // All issued in one turn: one io_submit batch. Bad ones at 0, in the middle, at the end.
  const plan = [];
  for (let i = 0; i < 12; i++) {
    if (i === 0 || i === 5 || i === 6) plan.push({ kind: 'ro', p: ctx.write(ro, Buffer.from('z'), i) });
    else if (i === 11) plan.push({ kind: 'closed', p: ctx.read(closed, Buffer.alloc(1), 0) });
    else {
      const data = pattern(100, i);
      plan.push({ kind: 'ok', data, pos: i * 100, p: ctx.write(fd, data, i * 100) });
    }
  }
  const results = await Promise.allSettled(plan.map((x) => x.p));
  results.forEach((r, i) => {
    if (plan[i].kind === 'ok') expect(r).toEqual({ status: 'fulfilled', value: 100 });
    else expect(r.reason).toMatchObject({ code: 'EBADF', syscall: 'io_submit' });
  });
  const content = fs.readFileSync(file);
  for (const x of plan.filter((y) => y.kind === 'ok')) expect(content.subarray(x.pos, x.pos + 100).equals(x.data)).toBe(true);
  const s = ctx.stats();
  expect(s.completed).toBe(s.submitted);
  expect(s.submitted).toBe(8);
  await ctx.close();
  fs.closeSync(ro);
  fs.closeSync(fd);
});
