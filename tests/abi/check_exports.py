#!/usr/bin/env python3
"""The exported dynamic symbols == the names in lib/piam.map == the PIAM_API declarations in the
public headers; all start with piam_ (never piam__) and all carry the PIAM_1.0 version."""
import glob
import os
import re
import subprocess
import sys

lib, mapfile, incdir = sys.argv[1:4]
failures = []

out = subprocess.run(["objdump", "-T", lib], check=True, capture_output=True, text=True).stdout
exported = {}
for line in out.splitlines():
    # 0000000000001234 g    DF .text  0000000000000020  PIAM_1.0    piam_version
    m = re.match(r"^[0-9a-f]+ g\s.*?\s(\.\S+)\s+[0-9a-f]+\s+(\(?[\w.]+\)?)\s+(\S+)$", line)
    if m and m.group(1) != "*UND*":
        exported[m.group(3)] = m.group(2)

text = open(mapfile).read()
text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
nodes = re.findall(r"(\w+(?:\.\w+)*)\s*\{(.*?)\}\s*(?:\w[\w.]*)?\s*;", text, flags=re.S)
mapped = {}
for node, body in nodes:
    glob_part = body.split("local:")[0].replace("global:", "")
    for name in re.findall(r"([A-Za-z_]\w*)\s*;", glob_part):
        mapped[name] = node

declared = set()
for header in sorted(glob.glob(os.path.join(incdir, "piam", "*.h"))):
    src = open(header).read()
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    src = re.sub(r"^\s*#.*$", "", src, flags=re.M)
    for decl in re.findall(r"PIAM_API\b([^;{]*?)\(", src):
        declared.add(re.findall(r"\w+", decl)[-1])

def diff(a_name, a, b_name, b):
    for name in sorted(set(a) - set(b)):
        failures.append(f"{name}: in {a_name} but not in {b_name}")

diff("the shared library's exports", exported, "lib/piam.map", mapped)
diff("lib/piam.map", mapped, "the shared library's exports", exported)
diff("the headers' PIAM_API declarations", declared, "lib/piam.map", mapped)
diff("lib/piam.map", mapped, "the headers' PIAM_API declarations", declared)
for name, version in sorted(exported.items()):
    if not name.startswith("piam_") or name.startswith("piam__"):
        failures.append(f"{name}: exported name outside the piam_ namespace")
    if version != mapped.get(name, "PIAM_1.0"):
        failures.append(f"{name}: exported as version {version}, map says {mapped.get(name)}")
if not exported:
    failures.append("no exported symbols found")

for f in failures:
    print("FAIL", f)
print(f"{len(exported)} exported, {len(mapped)} in the map, {len(declared)} declared")
print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)
