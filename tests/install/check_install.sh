#!/bin/sh
# Install into a temporary DESTDIR, then build and run an outside program against it with
# `pkg-config --cflags --libs piam` (shared) and `pkg-config --static` (static); check the man
# page, and build the examples against the installed tree alone and run them.
#   check_install.sh BUILD_DIR SOURCE_DIR EXAMPLES_DIR MAN(yes|no)
set -eu
build=$1
src=$2
examples=$3
man=$4
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
cli=$(find "$tmp/root" -path '*/bin/piam' | head -n 1)
[ -x "$cli" ] && ok || bad "the piam command not installed"

# shared
cc -o "$tmp/app" "$src/consumer.c" $(pkg-config --cflags --libs piam) && ok || bad "shared build"
LD_LIBRARY_PATH="$libdir" "$tmp/app" >"$tmp/out" && ok || bad "shared run"
grep -q "PIAM_EINVAL invalid region" "$tmp/out" && ok || bad "shared output: $(cat "$tmp/out")"

# static: libpiam.a plus exactly what Libs.private and Requires.private name
privlibs=$(pkg-config --static --libs piam | tr ' ' '\n' | grep -v '^-lpiam$' | tr '\n' ' ')
cc -o "$tmp/app_static" "$src/consumer.c" $(pkg-config --cflags piam) "$libdir/libpiam.a" $privlibs && ok || bad "static build with: $privlibs"
if ldd "$tmp/app_static" | grep -q libpiam; then bad "static program still needs libpiam.so"; else ok; fi
"$tmp/app_static" >/dev/null && ok || bad "static run"

# the installed command runs with the installed library
[ "$(LD_LIBRARY_PATH="$libdir" "$cli" --version 2>&1)" = "piam $(pkg-config --modversion piam)" ] && ok || bad "piam --version"

# the man page, where scdoc built it
if [ "$man" = yes ]; then
	page=$(find "$tmp/root" -path '*/share/man/man1/piam.1' | head -n 1)
	[ -f "$page" ] && ok || bad "man1/piam.1 not installed"
	if command -v man >/dev/null 2>&1 && [ -f "$page" ]; then
		MANWIDTH=100 man -l "$page" 2>/dev/null | grep -q "piam - set up the IAM role" && ok || bad "man -l piam.1 does not render"
	fi
fi

# the examples, built with nothing but the installed header and library
for ex in render_policies sign_request setup_personalize; do
	cc -std=c11 -Wall -Wextra -Werror -o "$tmp/$ex" "$examples/$ex.c" $(pkg-config --cflags --libs piam) && ok || bad "build $ex"
done
LD_LIBRARY_PATH="$libdir" "$tmp/render_policies" 123456789012 eu-west-1 training-data >"$tmp/policies.json" && ok || bad "run render_policies"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["trust"]["Statement"][0]["Principal"]["Service"] == "personalize.amazonaws.com" else 1)' \
	"$tmp/policies.json" && ok || bad "render_policies output: $(cat "$tmp/policies.json")"
# the SigV4 suite's get-vanilla case (2015-08-30T12:36:00Z)
AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY LD_LIBRARY_PATH="$libdir" \
	"$tmp/sign_request" service us-east-1 1440938160 GET example.amazonaws.com / >"$tmp/signed" && ok || bad "run sign_request"
grep -q "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31$" "$tmp/signed" && ok || bad "sign_request output: $(cat "$tmp/signed")"
status=0
LD_LIBRARY_PATH="$libdir" "$tmp/setup_personalize" 2>/dev/null || status=$?
[ "$status" -eq 2 ] && ok || bad "setup_personalize without arguments: exit $status, not 2"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
