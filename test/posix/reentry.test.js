// A notification may call the API again, even lio_listioSync, from inside the
// completion of another request; nothing is lost or mixed up.
'use strict';
const fs = require('fs');
const { aio, cb, until } = require('./util');
const { tmpFile, pattern } = require('../helpers');

// Deep enough that the inner lists find free slots while the outer batch is delivered.
aio.aio_init({ aio_num: 512 });

test('lio_listioSync inside SIGEV_THREAD notifications of a running list', async () => {
  const { fd } = tmpFile();
  const src = pattern(200 * 100, 8);
  fs.writeFileSync(`/proc/self/fd/${fd}`, src);
  const inner = [];
  const outer = Array.from({ length: 200 }, (_, i) => {
    const c = cb(fd, i * 100, Buffer.alloc(100), { aio_lio_opcode: aio.LIO_READ });
    c.aio_sigevent = {
      sigev_notify: aio.SIGEV_THREAD,
      sigev_notify_function: () => {
        if (i % 50 !== 0) return;
        // Many completions arrive while this blocks, overwriting the shared
        // completion table the outer delivery is still walking, if it were.
        const mine = Array.from({ length: 100 }, (_, k) =>
          cb(fd, ((i + k) % 200) * 100, Buffer.alloc(100), { aio_lio_opcode: aio.LIO_READ }));
        aio.lio_listioSync(mine);
        inner.push(mine.every((m) => m.aio_buf.equals(src.subarray(Number(m.aio_offset), Number(m.aio_offset) + 100))));
      },
    };
    return c;
  });
  await aio.lio_listio(aio.LIO_WAIT, outer);
  outer.forEach((c, i) => expect(c.aio_buf.equals(src.subarray(i * 100, i * 100 + 100))).toBe(true));
  await until(() => inner.length === 4);
  expect(inner).toEqual([true, true, true, true]);
  fs.closeSync(fd);
}, 20000);
