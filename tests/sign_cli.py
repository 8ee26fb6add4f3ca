#!/usr/bin/env python3
"""`piam sign` end to end: every case of the AWS suite through the command (file and standard
input, header and presign mode) compared byte for byte with the suite's signed requests, then
bad flags and malformed requests (exit 2, one line on stderr) and missing credentials (exit 1).

    sign_cli.py PIAM SUITE_DIR
"""
import json
import os
import subprocess
import sys
from pycheck import check, finish  # noqa: E402

piam, suite = sys.argv[1], sys.argv[2]
CREDS = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
BASE = ["sign", "--service", "service", "--region", "us-east-1", "--date", "20150830T123600Z"]


def run(args, stdin=b"", env=None):
    e = {"PATH": os.environ.get("PATH", "")}
    e.update(CREDS if env is None else env)
    return subprocess.run([piam] + args, input=stdin, capture_output=True, env=e)


cases = sorted(d for d in os.listdir(suite) if os.path.isdir(os.path.join(suite, d)))
check(len(cases) == 38, f"38 suite cases, found {len(cases)}")
for name in cases:
    d = os.path.join(suite, name)
    ctx = json.load(open(os.path.join(d, "context.json")))
    env = dict(CREDS)
    if "token" in ctx["credentials"]:
        env["AWS_SESSION_TOKEN"] = ctx["credentials"]["token"]
    flags = []
    if not ctx["normalize"]:
        flags.append("--no-normalize")
    if ctx["sign_body"]:
        flags.append("--sign-body")
    if ctx.get("omit_session_token"):
        flags.append("--omit-session-token")
    request = open(os.path.join(d, "request.txt"), "rb").read()
    for mode, extra in (("header", []), ("query", ["--presign", str(ctx["expiration_in_seconds"])])):
        want = open(os.path.join(d, f"{mode}-signed-request.txt"), "rb").read()
        p = run(BASE + flags + extra + [os.path.join(d, "request.txt")], env=env)
        check(p.returncode == 0 and p.stdout == want, f"{name} ({mode}, FILE): rc {p.returncode} {p.stderr!r}\n{p.stdout!r}")
        p = run(BASE + flags + extra, stdin=request, env=env)
        check(p.returncode == 0 and p.stdout == want, f"{name} ({mode}, stdin): rc {p.returncode} {p.stderr!r}")

# CRLF line breaks sign and print the same as LF.
for name in ("get-header-value-multiline", "post-x-www-form-urlencoded-parameters"):
    d = os.path.join(suite, name)
    head, sep, body = open(os.path.join(d, "request.txt"), "rb").read().partition(b"\n\n")
    crlf = head.replace(b"\n", b"\r\n") + (b"\r\n\r\n" + body if sep else b"")
    flags = ["--sign-body"] if json.load(open(os.path.join(d, "context.json")))["sign_body"] else []
    p = run(BASE + flags, stdin=crlf)
    check(p.returncode == 0 and p.stdout == open(os.path.join(d, "header-signed-request.txt"), "rb").read(),
          f"{name} with CRLF: rc {p.returncode} {p.stderr!r}\n{p.stdout!r}")

GOOD = b"GET / HTTP/1.1\nHost:example.amazonaws.com\n"
usage = [
    (["sign", "--region", "us-east-1"], "no --service"),
    (["sign", "--service", "iam"], "no --region"),
    (BASE[:5] + ["--date", "2015-08-30T12:36:00Z"], "ISO date"),
    (BASE[:5] + ["--date", "20150230T123600Z"], "30 February"),
    (BASE[:5] + ["--date", "20150830T246000Z"], "hour 24"),
    (BASE + ["--presign", "0"], "presign 0"),
    (BASE + ["--presign", "604801"], "presign over 7 days"),
    (BASE + ["--presign", "12x"], "presign not a number"),
    (BASE + ["--presign"], "presign without a value"),
    (BASE + ["--frobnicate"], "unknown option"),
    (BASE + ["a", "b"], "two files"),
    (["sign", "--service", "bad/service", "--region", "us-east-1"], "service with a slash"),
    (["sign", "--service", "iam", "--region", ""], "empty region"),
]
for args, what in usage:
    p = run(args, stdin=GOOD)
    check(p.returncode == 2 and p.stdout == b"" and p.stderr.count(b"\n") == 1, f"{what}: rc {p.returncode} {p.stderr!r}")

malformed = [
    (b"", "empty input"),
    (b"GET /\nHost:example.amazonaws.com\n", "no HTTP version"),
    (b"GET / HTTP/1.1\nHost example.amazonaws.com\n", "header without a colon"),
    (b"GET / HTTP/1.1\n continued\nHost:example.amazonaws.com\n", "continuation before any header"),
    (b"GET / HTTP/1.1\nMy-Header1:value1\n", "no Host"),
    (b"GET / HTTP/1.1\nHost:example.amazonaws.com\nHost:other.example\n", "two Hosts"),
    (b"GET / HTTP/1.1\nHost:\n", "empty Host"),
    (b"GET / HTTP/1.1\nHost:example.amazonaws.com\nBad Name:x\n", "space in a header name"),
    (b"GET / HTTP/1.1\nHost:example.amazonaws.com\nN\xc3\xa4me:x\n", "non-ASCII header name"),
    (b"GET / HTTP/1.1\nHost:example.amazonaws.com\nX-A:a\rb\n", "CR inside a value"),
    (b"GET / HTTP/1.1\nHost:example.amazonaws.com\nX-A:a\x01b\n", "control character in a value"),
    (b"get / HTTP/1.1\nHost:example.amazonaws.com\n", "lower-case method"),
    (b"GET example HTTP/1.1\nHost:example.amazonaws.com\n", "path without '/'"),
    (b"GET /a#frag HTTP/1.1\nHost:example.amazonaws.com\n", "fragment"),
    (b"GET / HTTP/1.1\nHost:exa\x00mple.amazonaws.com\n", "NUL in a header"),
]
for text, what in malformed:
    p = run(BASE, stdin=text)
    check(p.returncode == 2 and p.stdout == b"" and p.stderr.count(b"\n") == 1, f"{what}: rc {p.returncode} {p.stderr!r}")
p = run(BASE + ["--presign", "60"], stdin=b"GET /?X-Amz-Signature=1 HTTP/1.1\nHost:example.amazonaws.com\n")
check(p.returncode == 2, "presigning a presigned URL")

p = run(BASE, stdin=GOOD, env={})
check(p.returncode == 1 and b"PIAM_ECREDENTIALS" in p.stderr, f"no credentials: rc {p.returncode} {p.stderr!r}")
p = run(BASE + ["/nonexistent/request.txt"])
check(p.returncode == 1 and p.stderr.count(b"\n") == 1, f"missing file: rc {p.returncode}")
p = run(["sign", "--help"])
check(p.returncode == 0 and b"--presign SECONDS" in p.stdout, "--help")
p = run(["sign", "--service=service", "--region=us-east-1", "--date=20150830T123600Z"], stdin=GOOD)
check(p.returncode == 0 and b"Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" in p.stdout,
      "--flag=value forms")
p = run(["sign", "--service", "iam", "--region", "us-east-1"], stdin=GOOD)
check(p.returncode == 0 and b"X-Amz-Date:" in p.stdout, "signing at the current time")

finish()
