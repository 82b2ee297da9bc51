// Every ```js example in the README and the docs runs, and prints what its comments say.
'use strict';
const fs = require('fs');
const path = require('path');
const { runNode } = require('../helpers');

const root = path.join(__dirname, '..', '..');
const docs = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const examples = docs.flatMap((doc) =>
  [...fs.readFileSync(path.join(root, doc), 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m, i) => [`${doc} #${i + 1}`, m[1]]),
);
const blocks = examples.map((e) => e[1]);

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

test('the README and the docs have runnable examples', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(10);
  expect(examples.filter(([name]) => name.startsWith('README')).length).toBeGreaterThanOrEqual(2);
});

test.each(examples)('%s runs as documented', (_name, code) => {
  const r = runNode(['-e', code], { cwd: path.join(__dirname, '..', '..'), timeout: 30000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expectations(code).forEach((want, k) => {
    if (want !== null) expect(lines[k]).toBe(want);
  });
});
