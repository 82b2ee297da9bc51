// Every ```js example in the README runs, and prints what its comments say.
'use strict';
const fs = require('fs');
const path = require('path');
const { runNode } = require('./helpers');

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

// `console.log(...); // 4096 FFFF` promises that line of output. What follows
// " (" or ": " in the comment is explanation.
function expectations(code) {
  const out = [];
  for (const line of code.split('\n')) {
    if (!/console\.log\(/.test(line)) continue;
    const m = line.match(/\);\s*\/\/ (.*)$/);
    out.push(m ? m[1].split(/ \(|: (?!')/)[0].trim() : null);
  }
  return out;
}

test('the README has runnable examples', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(10);
});

test.each(blocks.map((code, i) => [i + 1, code]))('example %i runs as documented', (_i, code) => {
  const r = runNode(['-e', code], { cwd: path.join(__dirname, '..'), timeout: 30000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expectations(code).forEach((want, k) => {
    if (want !== null) expect(lines[k]).toBe(want);
  });
});
