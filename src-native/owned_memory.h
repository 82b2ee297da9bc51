// Memory the package owns, so that no JavaScript action can free it while the
// kernel or a helper thread still writes into it.
//
// A request may only hand the kernel memory that stays valid until the request
// is final, whatever the caller does meanwhile: transfer the ArrayBuffer
// (structuredClone, postMessage, ArrayBuffer.prototype.transfer), resize it,
// or drop every reference. Node-API cannot pin a V8 backing store, so requests
// use only blocks allocated here:
//  - allocAligned() buffers are blocks exposed as external ArrayBuffers: zero
//    copy. A request pins the block; the JS finalizer is one more reference.
//  - any other memory goes through a scratch block: written bytes are copied
//    in at submission, read bytes copied out on the loop thread at completion,
//    into the view as it is then (or not at all if it is gone).
//  - except where the kernel is done with it before the submitting call
//    returns (buffered I/O runs inside io_submit): no JavaScript runs in
//    between, so the caller's memory is used as it is (Slot::borrowed).
// A block is freed when its last reference goes, on whichever thread that is.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace laio {

struct Block {
  uint8_t* base;
  size_t size;
  std::atomic<int> refs;
  size_t mapped;  // bytes mmap'ed at base (large blocks), 0: from posix_memalign
};

// A new block of at least size bytes, aligned to alignment (a power of two),
// zeroed when registered (JavaScript sees it); one reference. nullptr when out
// of memory. Blocks of kHugeBlock bytes or more are mapped on their own, on a
// 2 MiB boundary, with transparent huge pages asked for: a 1 GiB readFile
// result or a whole-file request's scratch is then touched a 2 MiB page at a
// time, not 4 KiB (measured on this project's VM: 1 GiB of fresh memory
// touched at 330 MiB/s in 4 KiB pages, 10 GiB/s in huge pages).
constexpr size_t kHugeBlock = 2 * 1024 * 1024;
Block* block_new(size_t size, size_t alignment, bool registered);
void block_ref(Block* b);
void block_unref(Block* b);

// The registered block (from allocAligned) holding [p, p + len), with a new
// reference, or nullptr.
Block* block_pin(const void* p, size_t len);

}  // namespace laio
