// The two implementations every fs test runs against: Node's fs/promises (the
// reference) and linux-aio/fs. A test body is written once; a difference shows
// as a failure of one of the two rows.
'use strict';
const fsp = require('fs/promises');
const aiofs = require('linux-aio/fs');

const IMPLS = [
  ['node', fsp],
  ['linux-aio', aiofs],
];

/** Settles `p` and returns what a test compares: the value, or the error's shape. */
async function outcome(p) {
  try {
    return { ok: await p };
  } catch (err) {
    return { error: { name: err.name, code: err.code, syscall: err.syscall } };
  }
}

module.exports = { IMPLS, outcome, fsp, aiofs };
