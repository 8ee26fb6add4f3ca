#!/bin/sh
# Install into a temporary DESTDIR, then build and run an outside program against it with
# `pkg-config --cflags --libs piam` (shared) and `pkg-config --static` (static).
#   check_install.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet >/dev/null
pcfile=$(find "$tmp/root" -name piam.pc | head -n 1)
[ -n "$pcfile" ] && ok || { bad "piam.pc not installed"; echo "$pass passed, $fail failed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pcfile")" PKG_CONFIG_SYSROOT_DIR="$tmp/root"
libdir=$(dirname "$(dirname "$pcfile")")

for f in libpiam.so.1.0.0 libpiam.so.1 libpiam.so libpiam.a; do
	[ -e "$libdir/$f" ] && ok || bad "$f not installed in $libdir"
done
[ -f "$(find "$tmp/root" -path '*/include/piam/piam.h' | head -n 1)" ] && ok || bad "piam/piam.h not installed"
[ -x "$(find "$tmp/root" -path '*/bin/piam' | head -n 1)" ] && ok || bad "the piam command not installed"

# shared
cc -o "$tmp/app" "$src/consumer.c" $(pkg-config --cflags --libs piam) && ok || bad "shared build"
LD_LIBRARY_PATH="$libdir" "$tmp/app" >"$tmp/out" && ok || bad "shared run"
grep -q "PIAM_EINVAL invalid region" "$tmp/out" && ok || bad "shared output: $(cat "$tmp/out")"

# static: libpiam.a plus exactly what Libs.private and Requires.private name
privlibs=$(pkg-config --static --libs piam | tr ' ' '\n' | grep -v '^-lpiam$' | tr '\n' ' ')
cc -o "$tmp/app_static" "$src/consumer.c" $(pkg-config --cflags piam) "$libdir/libpiam.a" $privlibs && ok || bad "static build with: $privlibs"
if ldd "$tmp/app_static" | grep -q libpiam; then bad "static program still needs libpiam.so"; else ok; fi
"$tmp/app_static" >/dev/null && ok || bad "static run"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
