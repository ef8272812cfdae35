#!/bin/sh
# Fetches the Debian 12 cloud kernel the `memhp record` test boots, into a git-ignored cache.
#
#   scripts/fetch-test-kernel.sh [CACHE_DIR]     (default: .cache/test-kernel in the checkout)
#
# Downloads (never installs) the linux-image package that Debian 12's linux-image-cloud-amd64
# depends on, unpacks it with dpkg-deb, runs depmod on the unpacked tree and leaves
#   CACHE_DIR/<kver>/vmlinuz  beside  CACHE_DIR/<kver>/lib/modules/<kver>/
# (the layout MEMHP_TEST_KERNEL names). Prints the vmlinuz path as its last line. A second run
# finds the unpacked kernel and downloads nothing. Needs apt-get, dpkg-deb and depmod (kmod).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-$root/.cache/test-kernel}
mkdir -p "$cache"

for tool in apt-cache apt-get dpkg-deb depmod; do
  command -v "$tool" >/dev/null 2>&1 || { echo "fetch-test-kernel: $tool not found (Debian/Ubuntu: apt-get install -y apt dpkg kmod)" >&2; exit 1; }
done

# The package the metapackage points at, e.g. linux-image-6.1.0-57-cloud-amd64.
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
[ -n "$pkg" ] || { echo "fetch-test-kernel: apt knows no linux-image-cloud-amd64 (run apt-get update on a Debian 12 machine)" >&2; exit 1; }
kver=${pkg#linux-image-}
dest=$cache/$kver
if [ -f "$dest/vmlinuz" ] && [ -f "$dest/lib/modules/$kver/modules.dep" ]; then
  echo "$dest/vmlinuz"
  exit 0
fi

work=$cache/.work-$$
rm -rf "$work"
mkdir -p "$work/debs" "$work/tree"
trap 'rm -rf "$work"' EXIT
echo "fetch-test-kernel: downloading $pkg" >&2
(cd "$work/debs" && apt-get download -q "$pkg" >&2)
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/tree"; done
# A merged-/usr package keeps its modules in usr/lib/modules; depmod -b looks in lib/modules.
if [ -d "$work/tree/usr/lib/modules/$kver" ] && [ ! -d "$work/tree/lib/modules/$kver" ]; then
  mkdir -p "$work/tree/lib/modules"
  mv "$work/tree/usr/lib/modules/$kver" "$work/tree/lib/modules/$kver"
fi
depmod -b "$work/tree" "$kver"
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp/lib/modules"
if [ -f "$work/tree/boot/vmlinuz-$kver" ]; then cp "$work/tree/boot/vmlinuz-$kver" "$dest.tmp/vmlinuz"; else cp "$work/tree/lib/modules/$kver/vmlinuz" "$dest.tmp/vmlinuz"; fi
mv "$work/tree/lib/modules/$kver" "$dest.tmp/lib/modules/$kver"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "$dest/vmlinuz"
