#!/usr/bin/env bash
# npm run test:asan: builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer
# into build-asan/ (never touching build/Release), then runs the whole jest suite
# against that build (LINUX_AIO_BINDING) with the sanitizer runtimes preloaded
# into Node. Any sanitizer report fails the run: the process aborts at once
# (halt_on_error / abort_on_error / -fno-sanitize-recover), and every report is
# also written to a log directory that is checked after the suite.
#
#   scripts/test-asan.sh [jest args...]     e.g. scripts/test-asan.sh test/robustness/fuzz.test.js
#   LINUX_AIO_ASAN_SKIP_BUILD=1             reuse the existing build-asan/
#   scripts/test-asan.sh --self-check       proves the set-up catches bugs: builds
#     copies of the sources with a deliberate heap overflow (ASan) and a signed
#     overflow (UBSan) into build-asan/self-check-*, runs one test file against
#     each and succeeds only if both runs fail with a sanitizer report.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [[ "${1:-}" == --self-check ]]; then
  anchor='unsigned Queue::move_ready_to_cq() {'
  grep -qF "$anchor" src-native/queue_reap.cc || { echo "self-check: anchor not found in queue_reap.cc" >&2; exit 1; }
  declare -A bug=(
    [asan]='  slots_.data()[depth_].busy = false;  // SELF-CHECK: heap-buffer-overflow'
    [ubsan]='  { volatile int32_t big = INT32_MAX; volatile int32_t one = 1; int32_t r = big + one; cq_[0] += (r == 0); }  // SELF-CHECK: signed overflow'
  )
  ok=1
  for kind in asan ubsan; do
    dir="$root/build-asan/self-check-$kind"
    rm -rf "$dir" && mkdir -p "$dir"
    cp -r src-native "$dir/src-native"
    python3 - "$dir/src-native/queue_reap.cc" "$anchor" "${bug[$kind]}" <<'PY'
import sys
path, anchor, line = sys.argv[1:4]
s = open(path).read()
open(path, 'w').write(s.replace(anchor, anchor + "\n" + line, 1))
PY
    out=$(LINUX_AIO_ASAN_SOURCES="$dir/src-native" LINUX_AIO_ASAN_OUT="$dir" "$0" test/api/read-write-buffered.test.js 2>&1) && status=0 || status=$?
    if [[ $status -ne 0 ]] && grep -qE "ERROR: AddressSanitizer|runtime error:" <<<"$out"; then
      echo "self-check: $kind bug caught: $(grep -m1 -oE "ERROR: AddressSanitizer: [a-z-]+|runtime error: .{0,60}" <<<"$out")"
    else
      echo "self-check: $kind bug NOT caught (status $status)" >&2
      tail -40 <<<"$out" >&2
      ok=0
    fi
    rm -rf "$dir"
  done
  [[ $ok == 1 ]] && echo "self-check: passed" && exit 0
  exit 1
fi

cxx="${CXX:-g++}"
libasan="$("$cxx" -print-file-name=libasan.so)"
libubsan="$("$cxx" -print-file-name=libubsan.so)"
for lib in "$libasan" "$libubsan"; do
  if [[ "$lib" != /* || ! -e "$lib" ]]; then
    echo "test:asan: the sanitizer runtime is missing ($lib); install the compiler's libasan/libubsan" >&2
    exit 1
  fi
done
libasan="$(readlink -f "$libasan")"
libubsan="$(readlink -f "$libubsan")"

# A separate node-gyp project whose sources are the real ones (symlinked), so
# the sanitizer build never replaces build/Release.
out="${LINUX_AIO_ASAN_OUT:-$root/build-asan}"
mkdir -p "$out"
cp binding.gyp "$out/binding.gyp"
[[ -e "$out/src-native" && ! -L "$out/src-native" ]] || ln -sfn "${LINUX_AIO_ASAN_SOURCES:-$root/src-native}" "$out/src-native"
if [[ -z "${LINUX_AIO_ASAN_SKIP_BUILD:-}" || ! -e "$out/build/Release/linux_aio.node" ]]; then
  echo "test:asan: building the addon with -fsanitize=address,undefined into build-asan/"
  # The same Node headers as the normal build (npm's nodedir setting, if any).
  nodedir="${npm_config_nodedir:-$(npm config get nodedir 2>/dev/null || true)}"
  gypargs=()
  if [[ -n "$nodedir" && "$nodedir" != undefined && "$nodedir" != null ]]; then gypargs+=("--nodedir=$nodedir"); fi
  gyp="$root/node_modules/node-gyp/bin/node-gyp.js"
  (cd "$out" && rm -rf build && export CXX="$cxx" &&
    node "$gyp" configure "${gypargs[@]}" -- -Dlinux_aio_sanitize=1 && node "$gyp" build -j 2 "${gypargs[@]}") >"$out/build.log" 2>&1 || {
    cat "$out/build.log" >&2
    exit 1
  }
fi
binding="$out/build/Release/linux_aio.node"
if [[ "$(nm -D "$binding" | grep -c __asan_init)" == 0 ]]; then
  echo "test:asan: $binding is not instrumented" >&2
  exit 1
fi
[[ -e dist/index.js ]] || node scripts/build-ts.js

logs="$(mktemp -d "${TMPDIR:-/tmp}/linux-aio-asan.XXXXXX")"
trap 'rm -rf "$logs"' EXIT

export LINUX_AIO_BINDING="$binding"
export LD_PRELOAD="$libasan:$libubsan${LD_PRELOAD:+:$LD_PRELOAD}"
# detect_leaks=0: Node does not free everything at exit (not our leaks; the
#   leak tests measure ours). handle_segv=0 / allow_user_segv_handler=1: V8 owns
#   SIGSEGV (WebAssembly trap handler). alloc_dealloc_mismatch=0: Node itself is
#   not instrumented and mixes allocators in ways ASan would flag.
#   detect_stack_use_after_return stays off (V8 stack scanning).
export ASAN_OPTIONS="detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:alloc_dealloc_mismatch=0:detect_odr_violation=0:halt_on_error=1:abort_on_error=1:print_stacktrace=1:strict_string_checks=0:log_path=$logs/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$logs/ubsan${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LINUX_AIO_SANITIZED=1

echo "test:asan: running jest against $binding"
status=0
# test/package/ checks the prebuilt binaries and the packed package, not this build
# (last: jest's array options would swallow the test paths that follow them).
node "$root/node_modules/jest/bin/jest.js" --ci "$@" --testPathIgnorePatterns='/test/package/' || status=$?

reports=$(find "$logs" -type f -size +0 | sort)
if [[ -n "$reports" ]]; then
  echo "test:asan: SANITIZER REPORTS:" >&2
  for f in $reports; do echo "== $f" >&2; cat "$f" >&2; done
  status=1
fi
if [[ $status -ne 0 ]]; then
  echo "test:asan: FAILED" >&2
else
  echo "test:asan: clean (no sanitizer reports)"
fi
exit $status
