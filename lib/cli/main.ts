#!/usr/bin/env node
// `linux-aio` command line.
console.error('usage: linux-aio bench [options]');
process.exitCode = 2;
