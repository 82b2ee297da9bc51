// scripts/gyp.js, which gives the prebuild its sources and flags: binding.gyp
// read as gyp reads it (a Python literal, conditions, exclusions, commands).
'use strict';
const fs = require('fs');
const path = require('path');
const { tmpDir } = require('../helpers');
const { root } = require('./helpers');
const { parsePythonLiteral, evalCondition, readTarget } = require(path.join(root, 'scripts', 'gyp.js'));

test('Python literals: comments, single and double quotes, trailing commas, adjacent strings, True/False', () => {
  const text = `
    # a comment
    {
      'a': [1, -2, "x", 'y', ],   # trailing comma
      "b": {'c': True, 'd': False, 'e': None},
      'f': 'con' "cat",
      'g': 'it\\'s # not a comment',
    }`;
  expect(parsePythonLiteral(text)).toEqual({ a: [1, -2, 'x', 'y'], b: { c: true, d: false, e: null }, f: 'concat', g: "it's # not a comment" });
  expect(() => parsePythonLiteral("{'a': [1, 2}")).toThrow(/binding\.gyp: expected ',' or '\]' at line 1/);
});

test('conditions as gyp evaluates them', () => {
  const vars = { OS: 'linux', x: 1, target_arch: 'x64' };
  expect(evalCondition('OS=="linux"', vars)).toBe(true);
  expect(evalCondition("OS=='mac' or x==1", vars)).toBe(true);
  expect(evalCondition('not (x==1) and target_arch=="x64"', vars)).toBe(false);
  expect(() => evalCondition('y==1', vars)).toThrow(/unknown variable y/);
  expect(() => evalCondition('x==1; process.exit(1)', vars)).toThrow(/cannot evaluate/);
});

test('a target: conditions with default variables, ! exclusions, <!( ) commands', () => {
  const dir = tmpDir();
  const gyp = path.join(dir, 'binding.gyp');
  fs.writeFileSync(gyp, `{
    'variables': { 'san%': 0, 'extra%': 1 },
    'targets': [{
      'target_name': 'addon',
      'sources': ['a.cc', 'b.cc'],
      'include_dirs': ["<!(node -p \\"'inc'\\")"],
      'defines': ['A=1'],
      'cflags_cc!': ['-fno-exceptions'],
      'cflags_cc': ['-O2'],
      'conditions': [
        ['san==1', { 'cflags_cc': ['-fsanitize=address'] }],
        ['target_arch=="arm64"', { 'defines': ['ARM'] }],
        ['extra==1', { 'sources': ['c.cc'], 'defines': ['EXTRA'] }, { 'defines': ['NO_EXTRA'] }],
      ],
    }],
  }`);
  expect(readTarget(gyp, undefined, { target_arch: 'arm64' }).defines).toEqual(['A=1', 'ARM', 'EXTRA']);
  const t = readTarget(gyp, undefined, { target_arch: 'x64' });
  expect(t).toMatchObject({
    name: 'addon',
    sources: ['a.cc', 'b.cc', 'c.cc'],
    include_dirs: ['inc'],
    defines: ['A=1', 'EXTRA'],
    cflags_cc: ['-O2'],
    exclude: { cflags_cc: ['-fno-exceptions'] },
  });
});

test("the project's binding.gyp: every source it lists exists, the sanitizer condition is off", () => {
  const t = readTarget(path.join(root, 'binding.gyp'));
  expect(t.sources.length).toBeGreaterThan(0);
  for (const s of t.sources) expect(fs.existsSync(path.join(root, s))).toBe(true);
  expect(t.defines).toEqual(expect.arrayContaining([expect.stringMatching(/^NAPI_VERSION=\d+$/)]));
  expect(t.include_dirs.some((d) => fs.existsSync(path.join(root, d, 'napi.h')))).toBe(true);
  // The sanitizer condition is off by default, as in a plain build.
  expect(t.cflags_cc.join(' ')).not.toMatch(/sanitize/);
});
