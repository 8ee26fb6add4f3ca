"""The Python tests' counterpart of tests/check.h: check() records, finish() prints
"N passed, N failed" and exits 1 on any failure (77, meson's "skipped", when nothing ran)."""
import sys

_passed = _failed = 0


def check(cond, what):
    global _passed, _failed
    if cond:
        _passed += 1
    else:
        _failed += 1
        print(f"FAIL: {what}", file=sys.stderr)
    return cond


def finish():
    print(f"{_passed} passed, {_failed} failed")
    sys.exit(1 if _failed else 0 if _passed else 77)
