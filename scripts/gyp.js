// Reads binding.gyp the way gyp does, for the one target the prebuild needs:
// the file is a Python literal (dicts, lists, strings in ' or ", numbers,
// # comments, trailing commas), not JSON. Resolves what a plain build of that
// target would use: its sources, include_dirs, defines, cflags/cflags_cc,
// ldflags and libraries, after the `conditions` that hold with the file's
// default variables, the `!` exclusion lists, and `<!(command)` expansions.
'use strict';
const { execSync } = require('child_process');
const fs = require('fs');

/** Parses a Python literal of dicts, lists, strings, numbers, True/False/None. */
function parsePythonLiteral(text) {
  let i = 0;
  const fail = (what) => {
    const line = text.slice(0, i).split('\n').length;
    throw new SyntaxError(`binding.gyp: ${what} at line ${line}`);
  };
  const skip = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i])) i++;
      if (text[i] === '#') {
        while (i < text.length && text[i] !== '\n') i++;
      } else {
        return;
      }
    }
  };
  const string = () => {
    const quote = text[i++];
    let out = '';
    while (i < text.length && text[i] !== quote) {
      if (text[i] === '\\') {
        const c = text[i + 1];
        out += { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' }[c] ?? `\\${c}`;
        i += 2;
      } else {
        out += text[i++];
      }
    }
    if (text[i] !== quote) fail('unterminated string');
    i++;
    // Adjacent literals concatenate, as in Python.
    skip();
    if (text[i] === '"' || text[i] === "'") out += string();
    return out;
  };
  const value = () => {
    skip();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = {};
      for (;;) {
        skip();
        if (text[i] === '}') { i++; return obj; }
        if (text[i] !== '"' && text[i] !== "'") fail('expected a string key');
        const key = string();
        skip();
        if (text[i++] !== ':') fail("expected ':'");
        obj[key] = value();
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr = [];
      for (;;) {
        skip();
        if (text[i] === ']') { i++; return arr; }
        arr.push(value());
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') fail("expected ',' or ']'");
      }
    }
    if (c === '"' || c === "'") return string();
    const m = /^(-?\d+|True|False|None)/.exec(text.slice(i));
    if (!m) fail(`unexpected ${JSON.stringify(c)}`);
    i += m[0].length;
    return m[0] === 'True' ? true : m[0] === 'False' ? false : m[0] === 'None' ? null : Number(m[0]);
  };
  const result = value();
  skip();
  if (i < text.length) fail('trailing text');
  return result;
}

// gyp's condition language is Python; binding.gyp files use ==, !=, and, or, not, (),
// names and literals. Evaluated with the variables as their values.
function evalCondition(expr, vars) {
  const tokens = expr.match(/\s*("[^"]*"|'[^']*'|\d+|[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|<|>|\(|\))/g);
  if (tokens === null || tokens.join('').replace(/\s/g, '') !== expr.replace(/\s/g, '')) {
    throw new SyntaxError(`binding.gyp: cannot evaluate condition ${JSON.stringify(expr)}`);
  }
  const js = tokens
    .map((t) => t.trim())
    .map((t) => {
      if (t === 'and') return '&&';
      if (t === 'or') return '||';
      if (t === 'not') return '!';
      if (t === '==') return '===';
      if (t === '!=') return '!==';
      if (/^[A-Za-z_]/.test(t)) {
        if (!(t in vars)) throw new Error(`binding.gyp: condition ${JSON.stringify(expr)} names an unknown variable ${t}`);
        return JSON.stringify(vars[t]);
      }
      if (/^'/.test(t)) return JSON.stringify(t.slice(1, -1));
      return t;
    })
    .join(' ');
  return Boolean(new Function(`return (${js});`)());
}

const LIST_KEYS = ['sources', 'include_dirs', 'defines', 'cflags', 'cflags_cc', 'ldflags', 'libraries'];

// Merges a target dict (and the conditions that hold) into `into`, gyp-style:
// lists append; `key!` lists are exclusions applied at the end.
function merge(into, dict, vars) {
  for (const [key, val] of Object.entries(dict)) {
    if (key === 'conditions') continue;
    if (Array.isArray(val)) (into[key] ??= []).push(...val);
    else if (!(key in into)) into[key] = val;
  }
  for (const cond of dict.conditions ?? []) {
    const [expr, then, otherwise] = cond;
    if (evalCondition(expr, vars)) merge(into, then, vars);
    else if (otherwise) merge(into, otherwise, vars);
  }
}

function expandCommands(list, cwd) {
  const out = [];
  for (const item of list) {
    const m = /^<!(@?)\((.*)\)$/s.exec(item);
    if (!m) {
      out.push(item);
      continue;
    }
    const result = execSync(m[2], { cwd, encoding: 'utf8' }).trim();
    if (m[1] === '@') out.push(...result.split(/\s+/).filter(Boolean));
    else out.push(result.replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

/**
 * The build settings of one target of binding.gyp (the first, or the one named),
 * with `defaults` as gyp's predefined variables (OS, target_arch).
 * Each list key of LIST_KEYS is present; exclusions (`cflags_cc!`) are returned
 * as `exclude` for the caller to apply to its own base flags as well.
 */
function readTarget(gypFile, targetName, defaults = {}) {
  const gyp = parsePythonLiteral(fs.readFileSync(gypFile, 'utf8'));
  const vars = { ...defaults };
  for (const [k, v] of Object.entries(gyp.variables ?? {})) vars[k.replace(/%$/, '')] = v;
  const targets = gyp.targets ?? [];
  const target = targetName ? targets.find((t) => t.target_name === targetName) : targets[0];
  if (!target) throw new Error(`binding.gyp: no target ${targetName ?? ''}`);
  const merged = {};
  merge(merged, target, vars);
  const cwd = require('path').dirname(gypFile);
  const result = { name: target.target_name, exclude: {} };
  for (const key of LIST_KEYS) {
    result[key] = expandCommands(merged[key] ?? [], cwd);
    result.exclude[key] = merged[`${key}!`] ?? [];
  }
  for (const key of LIST_KEYS) result[key] = result[key].filter((x) => !result.exclude[key].includes(x));
  return result;
}

module.exports = { parsePythonLiteral, evalCondition, readTarget };
