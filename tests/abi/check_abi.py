#!/usr/bin/env python3
"""The built libpiam.so.1 against the committed ABI baseline (abi/libpiam.so.1.abi), with abidiff.

    check_abi.py LIBRARY BASELINE SUPPRESSIONS           the test (meson suite abi)
    check_abi.py --write LIBRARY BASELINE SUPPRESSIONS   what scripts/abi-baseline runs

Only the types defined in include/piam/ count (SUPPRESSIONS drops the others to declarations).
Fails on a removed or changed function, variable or public type (an enum's values included,
though no function takes the enum: status numbers never change), and on an added symbol in a
version node the baseline already has (PIAM_1.0 is closed once released: new functions go into
a new node, e.g. PIAM_1.1). Symbols added in a new node pass. Skipped (77) without abidw/abidiff
or without debug information in the library.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

write = sys.argv[1] == "--write"
lib, baseline, suppr = sys.argv[2:5] if write else sys.argv[1:4]


def abidw(out):
    # Every public type, also those no function reaches (the status and log-level enums).
    subprocess.run(["abidw", "--suppressions", suppr, "--load-all-types", "--no-corpus-path",
                    "--no-comp-dir-path", "--drop-undefined-syms", "--out-file", out, lib], check=True)


def versions(path):
    """symbol name -> version node, of the functions and variables an ABI file lists."""
    root = ET.parse(path).getroot()
    return {s.get("name"): s.get("version") for s in root.iter("elf-symbol")}


if not shutil.which("abidw") or not shutil.which("abidiff"):
    print("abidw/abidiff missing (Debian abigail-tools): skipped")
    sys.exit(77)
sections = subprocess.run(["objdump", "-h", lib], capture_output=True, text=True, check=True).stdout
if ".debug_info" not in sections:
    print(f"{lib} has no debug information (build with -g): skipped")
    sys.exit(77)

if write:
    abidw(baseline)
    print(f"wrote {baseline}: {len(versions(baseline))} symbols")
    sys.exit(0)

with tempfile.TemporaryDirectory() as tmp:
    current = os.path.join(tmp, "current.abi")
    abidw(current)
    diff = subprocess.run(["abidiff", "--non-reachable-types", "--no-show-locs", baseline, current],
                          capture_output=True, text=True)
    now = versions(current)
base = versions(baseline)
report = diff.stdout + diff.stderr
failures = []
# The library's own structs (piam__*) sit behind opaque handles: abidiff lists them among the
# unreachable types, but removing or changing one is no ABI change.
internal = [m.group(2) for m in re.finditer(r"^  \[(D|C)\] '(?:struct |union |enum )?(piam__\w+)'", report, re.M)]
if diff.returncode & ~(4 | 8):
    failures.append(f"abidiff failed (exit {diff.returncode})")

# abidiff exits 4 for any change, compatible or not: only symbols added in a new node may pass.
counts = {}
for what, line in (("functions", r"Functions changes summary: (\d+) Removed, (\d+) Changed.*?, (\d+) Added"),
                   ("variables", r"Variables changes summary: (\d+) Removed, (\d+) Changed.*?, (\d+) Added"),
                   ("types", r"Unreachable types summary: (\d+) removed.*?, (\d+) changed.*?, (\d+) added")):
    m = re.search(line, report)
    counts[what] = tuple(int(g) for g in m.groups()) if m else (0, 0, 0)
removed, changed, added = counts["types"]
counts["types"] = (removed + changed - len(internal), 0, added)
for what, (removed, changed, _) in counts.items():
    if removed or changed:
        failures.append(f"{removed} removed and {changed} changed {what}")
if diff.returncode & 8 and not (internal and not failures):
    failures.append("incompatible change (a removed symbol, or a changed function or type)")
for m in re.finditer(r"Function symbols changes summary: (\d+) Removed, (\d+) Added", report):
    if int(m.group(1)):
        failures.append(f"{m.group(1)} removed function symbols")
old_nodes = set(base.values())
for name in sorted(set(now) - set(base)):
    if now[name] in old_nodes:
        failures.append(f"{name} added to {now[name]}, a node the baseline already has: "
                        "give new symbols a new version node in lib/piam.map")
for name in sorted(set(base) - set(now)):
    failures.append(f"{name} removed")
for name in sorted(set(base) & set(now)):
    if base[name] != now[name]:
        failures.append(f"{name} moved from {base[name]} to {now[name]}")

if failures:
    print(report)
for f in failures:
    print("FAIL", f)
print(f"{len(base)} symbols in the baseline, {len(now)} now, {len(set(now) - set(base))} added")
print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)
