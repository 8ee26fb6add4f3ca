#!/usr/bin/env python3
"""A warm or cold signature allocates nothing anywhere, mbedTLS and libc included.

    sign_noalloc.py PATH/TO/bench_sign

Runs bench_sign under valgrind twice, the second time making about ten times as many
signatures (warm and cold, IAM and S3), and checks that both report the same number of heap
allocations: whatever the program allocates is its setup, none of it is per signature.
(tests/test_sigv4.c checks the same through the client's allocator only.) Exits 77 when
valgrind is missing.
"""
import re
import shutil
import subprocess
import sys


def run(secs):
    p = subprocess.run(["valgrind", sys.argv[1], str(secs)], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        sys.exit(f"bench_sign under valgrind failed: {p.stderr[-2000:]}")
    allocs = int(re.search(r"total heap usage: ([\d,]+) allocs", p.stderr).group(1).replace(",", ""))
    rates = {k: float(v) for k, v in (line.split() for line in p.stdout.splitlines())}
    # each mode signs for about `secs` in all (five rounds of secs/5); the rates are the best rounds
    signatures = sum(v for k, v in rates.items() if "-piam-" in k) * secs
    return allocs, signatures


if shutil.which("valgrind") is None:
    print("valgrind missing: skipped", file=sys.stderr)
    sys.exit(77)
few, n_few = run(0.05)
many, n_many = run(0.5)
print(f"{n_few:.0f} signatures: {few} allocations; {n_many:.0f} signatures: {many} allocations")
if n_many < 2 * n_few:
    sys.exit("the second run did not sign enough more to tell")
if many != few:
    sys.exit(f"FAIL: {many - few} more heap allocations for {n_many - n_few:.0f} more signatures")
print("1 passed, 0 failed")
