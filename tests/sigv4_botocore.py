#!/usr/bin/env python3
"""Differential test: `piam sign` against botocore's signers on random requests.

    sigv4_botocore.py PIAM [COUNT] [SEED]

Generates COUNT (default 400) random requests from a fixed SEED: paths with odd and non-ASCII
characters, dot segments and repeated slashes; queries with repeated keys, empty values and keys
without '='; untidy headers (case, spaces, tabs, duplicates, headers never signed, stale
X-Amz-Date and Authorization headers); bodies; with and without a session token; S3 and other
services; header mode, UNSIGNED-PAYLOAD, --sign-body and presigned URLs. Each is signed by
botocore (SigV4Auth, S3SigV4Auth, SigV4QueryAuth, S3SigV4QueryAuth) at a fixed time and by
`piam sign --date`, and the results must agree byte for byte. Exits 77 without botocore.
"""
import datetime
import hashlib
import random
import subprocess
import sys
from urllib.parse import parse_qsl, quote, urlsplit

try:
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials
except ImportError:
    print("botocore is not installed: skipped")
    sys.exit(77)

WHEN = datetime.datetime(2026, 3, 14, 15, 9, 26)
WHEN_ARG = "20260314T150926Z"
botocore.auth.get_current_datetime = lambda *a, **k: WHEN

SERVICES = ["iam", "sts", "execute-api", "dynamodb", "service", "s3"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1"]
PATH_CHARS = "abcXYZ019-_.~ +=@:!$&'()*,;%é/ሴ"
QUERY_CHARS = "abcXYZ019-_.~ +=/?:@!$'()*,;%&é"
VALUE_CHARS = "abc XYZ 019 -_.~ \"(),/:;<=>?@[]{}\t"
NAMES = ["X-Amz-Target", "Content-Type", "x-custom", "X-CUSTOM", "My-Header1", "my-header1",
         "Accept", "X-Odd!#$%&'*+.^_`|~1", "Cache-Control", "X-Amz-Meta-Note", "a"]
NEVER_SIGNED = ["User-Agent", "Expect", "X-Amzn-Trace-Id", "Connection", "Keep-Alive",
                "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Proxy-Authorization"]
# piam also leaves these out; botocore does not know them, so only piam gets them.
PIAM_ONLY_UNSIGNED = ["Sec-WebSocket-Key", "Sec-WebSocket-Version"]


def rand_text(rng, chars, lo, hi):
    return "".join(rng.choice(chars) for _ in range(rng.randint(lo, hi)))


def rand_path(rng, s3):
    segs = []
    for _ in range(rng.randint(0, 5)):
        r = rng.random()
        if not s3 and r < 0.1:
            segs.append(rng.choice([".", ".."]))
        elif r < 0.15:
            segs.append("")  # a repeated slash
        else:
            segs.append(quote(rand_text(rng, PATH_CHARS, 1, 8), safe="-_.~"))
    path = "/" + "/".join(segs)
    if segs and rng.random() < 0.3:
        path += "/"
    return path


def rand_query(rng):
    if rng.random() < 0.35:
        return None
    pairs = []
    keys = [quote(rand_text(rng, QUERY_CHARS, 1, 6), safe="-_.~") for _ in range(rng.randint(1, 4))]
    for _ in range(rng.randint(1, 6)):
        k = rng.choice(keys)  # repeated keys
        r = rng.random()
        if r < 0.15:
            pairs.append(k)  # no '='
        elif r < 0.3:
            pairs.append(k + "=")  # empty value
        else:
            pairs.append(k + "=" + quote(rand_text(rng, QUERY_CHARS, 0, 10), safe="-_.~"))
    return "&".join(pairs)


def untidy(rng, v):
    pad = lambda: rng.choice(["", " ", "  ", "\t", " \t "])
    v = v.replace(" ", rng.choice([" ", "  ", " \t", "   "]))
    return pad() + v + pad()


def make_case(rng, i):
    service = rng.choice(SERVICES)
    s3 = service == "s3"
    region = rng.choice(REGIONS)
    host = f"bucket{i}.s3.{region}.amazonaws.com" if s3 else f"{service}.{region}.amazonaws.com"
    presign = rng.random() < 0.15
    method = rng.choice(["GET", "HEAD", "DELETE"] if presign else ["GET", "POST", "PUT", "DELETE", "HEAD"])
    body = b""
    if not presign and method in ("POST", "PUT") and rng.random() < 0.8:
        body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    token = None
    if rng.random() < 0.4:
        token = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
                        for _ in range(rng.randint(16, 400)))
    query = rand_query(rng)
    if presign and query:
        # botocore's presigner keeps one value per key: give it unique keys with values.
        seen = {}
        for k, v in parse_qsl(query, keep_blank_values=True):
            seen.setdefault(k, v)
        query = "&".join(quote(k, safe="-_.~") + "=" + quote(v, safe="-_.~") for k, v in seen.items()) or None
    headers = [(rng.choice(["Host", "host", "HOST"]), untidy(rng, host) if rng.random() < 0.3 else host)]
    for _ in range(rng.randint(0, 6)):
        headers.append((rng.choice(NAMES), untidy(rng, rand_text(rng, VALUE_CHARS, 0, 20))))
    for _ in range(rng.randint(0, 2)):
        headers.append((rng.choice(NEVER_SIGNED), rand_text(rng, VALUE_CHARS, 1, 10)))
    if body and rng.random() < 0.5:
        headers.append(("Content-Length", str(len(body))))
    if not presign and rng.random() < 0.15:
        headers.append(("X-Amz-Date", "20000101T000000Z"))  # stale: replaced
    if not presign and rng.random() < 0.1:
        headers.append(("Authorization", "AWS4-HMAC-SHA256 stale"))  # replaced
    rng.shuffle(headers)
    flags = []
    unsigned = not presign and rng.random() < 0.15
    sign_body = not presign and not s3 and not unsigned and rng.random() < 0.2
    if s3:
        flags.append("--s3")
    if unsigned:
        flags.append("--unsigned-payload")
    if sign_body:
        flags.append("--sign-body")
    expires = rng.randint(1, 604800) if presign else None
    if presign:
        flags += ["--presign", str(expires)]
    piam_only = [(n, "x") for n in PIAM_ONLY_UNSIGNED if rng.random() < 0.1]
    return dict(service=service, region=region, host=host, method=method, path=rand_path(rng, s3),
                query=query, headers=headers, piam_only=piam_only, body=body, token=token,
                flags=flags, s3=s3, presign=presign, expires=expires, unsigned=unsigned,
                sign_body=sign_body)


def botocore_sign(case):
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", case["token"])
    url = "https://" + case["host"] + case["path"] + ("?" + case["query"] if case["query"] is not None else "")
    req = AWSRequest(method=case["method"], url=url, data=case["body"])
    for n, v in case["headers"]:
        req.headers[n] = v
    if case["sign_body"]:
        req.headers["X-Amz-Content-SHA256"] = hashlib.sha256(case["body"]).hexdigest()
    if case["unsigned"]:
        req.context["payload_signing_enabled"] = False
        req.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    if case["presign"]:
        cls = botocore.auth.S3SigV4QueryAuth if case["s3"] else botocore.auth.SigV4QueryAuth
        cls(creds, case["service"], case["region"], expires=case["expires"]).add_auth(req)
        return dict(parse_qsl(urlsplit(req.url).query, keep_blank_values=True))["X-Amz-Signature"]
    cls = botocore.auth.S3SigV4Auth if case["s3"] else botocore.auth.SigV4Auth
    cls(creds, case["service"], case["region"]).add_auth(req)
    return req.headers["Authorization"]


def raw_request(case):
    target = case["path"] + ("?" + case["query"] if case["query"] is not None else "")
    lines = [f"{case['method']} {target} HTTP/1.1"]
    lines += [f"{n}:{v}" for n, v in case["headers"] + case["piam_only"]]
    return ("\n".join(lines) + "\n\n").encode() + case["body"]


def piam_sign(piam, case):
    env = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
    if case["token"]:
        env["AWS_SESSION_TOKEN"] = case["token"]
    p = subprocess.run([piam, "sign", "--service", case["service"], "--region", case["region"],
                        "--date", WHEN_ARG] + case["flags"],
                       input=raw_request(case), capture_output=True, env=env)
    if p.returncode != 0:
        return None, p.stderr.decode(errors="replace").strip()
    head, _, _ = p.stdout.partition(b"\n\n")
    lines = head.decode(errors="replace").split("\n")
    if case["presign"]:
        query = urlsplit(lines[0].split(" ")[1]).query
        return dict(parse_qsl(query, keep_blank_values=True)).get("X-Amz-Signature"), lines[0]
    auth = [ln.split(":", 1)[1] for ln in lines if ln.lower().startswith("authorization:")]
    return (auth[0] if len(auth) == 1 else None), head.decode(errors="replace")


def main():
    piam = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261129
    rng = random.Random(seed)
    passed = failed = 0
    kinds = {}
    for i in range(count):
        case = make_case(rng, i)
        want = botocore_sign(case)
        got, detail = piam_sign(piam, case)
        kind = ("s3" if case["s3"] else "other") + ("-presign" if case["presign"] else "")
        kinds[kind] = kinds.get(kind, 0) + 1
        if got == want:
            passed += 1
        else:
            failed += 1
            if failed <= 5:
                print(f"case {i} differs ({kind}, flags {case['flags']}):\n  request: {raw_request(case)[:400]!r}\n"
                      f"  botocore: {want}\n  piam:     {got}\n  detail: {detail[:600]}", file=sys.stderr)
    print("cases:", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
