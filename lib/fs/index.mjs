// ES module entry of linux-aio/fs: the CommonJS build re-exported by name, so
// that `import` and `require` share one instance (and one default context).
import cjs from './index.js';

export const {
  open,
  readFile,
  writeFile,
  appendFile,
  AioFileHandle,
  AioReadStream,
  AioWriteStream,
  DEFAULT_READ_AHEAD,
  DEFAULT_DIRECT_READ_AHEAD,
  DEFAULT_WRITE_BEHIND,
  WHOLE_IO,
  defaultContext,
  constants,
} = cjs;
export default cjs;
