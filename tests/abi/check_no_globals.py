#!/usr/bin/env python3
"""No global state: no object file of the library may define data in a writable section
(.data, .bss, .tdata, .tbss and their subsections), nor have any such section non-empty.
.rodata and .data.rel.ro (read-only after relocation) are fine."""
import re
import subprocess
import sys

archive = sys.argv[1]
writable = re.compile(r"^\.(data|bss|tdata|tbss)(\.|$)")
readonly_after_reloc = re.compile(r"^\.data\.rel\.ro(\.|$)")
failures = []

headers = subprocess.run(["objdump", "-h", archive], check=True, capture_output=True, text=True).stdout
member = None
for line in headers.splitlines():
    m = re.match(r"^(\S+\.o):\s+file format", line)
    if m:
        member = m.group(1)
        continue
    m = re.match(r"^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s", line)
    if m and writable.match(m.group(1)) and not readonly_after_reloc.match(m.group(1)):
        if int(m.group(2), 16) != 0:
            failures.append(f"{member}: section {m.group(1)} holds {int(m.group(2), 16)} bytes")

symbols = subprocess.run(["objdump", "-t", archive], check=True, capture_output=True, text=True).stdout
for line in symbols.splitlines():
    m = re.match(r"^(\S+\.o):\s+file format", line)
    if m:
        member = m.group(1)
        continue
    # 0000000000000000 l     O .bss   0000000000000004 counter
    m = re.match(r"^[0-9a-f]+\s+(.{7})\s+(\S+)\s+[0-9a-f]+\s+(.*)$", line)
    if not m:
        continue
    flags, section, name = m.groups()
    if "O" in flags and writable.match(section) and not readonly_after_reloc.match(section):
        failures.append(f"{member}: data object {name.strip()} in writable section {section}")
    if section == "*COM*":
        failures.append(f"{member}: common symbol {name.strip()}")

for f in failures:
    print("FAIL", f)
print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)
