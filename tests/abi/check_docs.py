#!/usr/bin/env python3
"""No public symbol without documentation: every PIAM_API declaration in include/piam/*.h comes
right after a /** ... */ comment that

- says since which version it exists (@since);
- for a function returning int, names its errors: an @return with PIAM_OK and at least one
  PIAM_E* code (or "as piam_...()" pointing at a function that does), or says that what it
  returns is "not a status code";
- documents each parameter: with @param (several may share one, "@param a, b"), or by naming it
  in `backticks`. The handle a function works on (client, options, plan, result) is documented
  once by the header's conventions and needs no @param.

    check_docs.py INCLUDE_DIR
"""
import glob
import os
import re
import sys

incdir = sys.argv[1]
HANDLES = {"client", "options", "plan", "result"}
failures = []
count = 0
for header in sorted(glob.glob(os.path.join(incdir, "piam", "*.h"))):
    src = open(header).read()
    for m in re.finditer(r"PIAM_API\s+([^;{]*?)\b(\w+)\s*\(([^)]*)\)\s*;", src):
        count += 1
        ret, name, params = m.group(1).strip(), m.group(2), m.group(3)
        where = f"{os.path.basename(header)}: {name}"
        before = src[:m.start()].rstrip()
        if not before.endswith("*/"):
            failures.append(f"{where}: no comment right before the declaration")
            continue
        start = before.rfind("/*")
        doc = before[start:]
        if not doc.startswith("/**"):
            failures.append(f"{where}: the comment before it is not a /** doc comment")
            continue
        if not re.search(r"@since\s+\d+\.\d+", doc):
            failures.append(f"{where}: no @since")
        if ret == "int" and not re.search(r"@return\b[^@]*(PIAM_E\w+|as piam_\w+\(\)|not a status code)", doc):
            failures.append(f"{where}: returns int but no @return names its errors")
        documented = set()
        for p in re.findall(r"@param\s+([\w, ]+?)\s{2,}|@param\s+(\w+)", doc):
            for part in p:
                documented.update(x.strip() for x in part.split(",") if x.strip())
        documented.update(re.findall(r"`(\w+)`", doc))
        for param in params.split(","):
            words = re.findall(r"\w+", param)
            if not words or words == ["void"]:
                continue
            pname = words[-1]
            if pname not in documented and pname not in HANDLES:
                failures.append(f"{where}: parameter {pname} undocumented")

for f in failures:
    print("FAIL", f)
print(f"{count} declarations checked")
if count < 90:
    failures.append("fewer declarations than exported symbols: the parser missed some")
    print("FAIL fewer than 90 declarations found")
print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)
