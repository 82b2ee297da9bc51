// Types of the ES module entry of linux-aio/fs (index.mjs, which re-exports the
// CommonJS build by name and as its default export), for `import` consumers.
import * as cjs from './index.js';
export * from './index.js';
export default cjs;
