// Types of the ES module entry (index.mjs, which re-exports the CommonJS build
// by name and as its default export), so that `import` consumers get ESM types.
import * as cjs from './index.js';
export * from './index.js';
export default cjs;
