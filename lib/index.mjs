// ES module entry: the CommonJS build re-exported by name, so that `import`
// and `require` share one instance (and one kernel context per thread).
import cjs from './index.js';

export const { AioContext, AbortError, allocAligned, directIoAlignment } = cjs;
export default cjs;
