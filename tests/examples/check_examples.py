#!/usr/bin/env python3
"""examples/render_policies.c and examples/sign_request.c, run as a user would.

    check_examples.py RENDER_POLICIES SIGN_REQUEST SIGV4_SUITE_DIR

render_policies prints one valid JSON object whose documents name the account, region, bucket
and role given; a bad bucket exits 2. sign_request prints, for every suite case that is a bare
request with only a Host header, exactly the headers the suite's signed request adds.
"""
import calendar
import json
import os
import subprocess
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pycheck import check, finish  # noqa: E402

render, sign, suite = sys.argv[1:4]


r = subprocess.run([render, "123456789012", "eu-west-1", "training-data", "ExampleRole"],
                   capture_output=True, text=True)
check(r.returncode == 0, f"render_policies exit 0: {r.stderr}")
try:
    docs = json.loads(r.stdout)
except ValueError as e:
    docs = {}
    check(False, f"render_policies prints JSON: {e}: {r.stdout!r}")
check(sorted(docs) == ["bucket-policy", "caller-policy", "s3-access", "trust"], f"documents: {sorted(docs)}")
if docs:
    trust = docs["trust"]["Statement"][0]
    check(trust["Principal"] == {"Service": "personalize.amazonaws.com"}, f"trust principal: {trust}")
    check(json.dumps(trust["Condition"]).count("arn:aws:personalize:eu-west-1:123456789012:*") == 1,
          f"trust guard: {trust}")
    s3 = json.dumps(docs["s3-access"])
    check("arn:aws:s3:::training-data" in s3 and "arn:aws:s3:::training-data/*" in s3, f"s3-access: {s3}")
    check(docs["bucket-policy"]["Statement"][0]["Sid"] == "PersonalizeS3BucketAccessPolicy",
          f"bucket-policy: {docs['bucket-policy']}")
    check("arn:aws:iam::123456789012:role/ExampleRole" in json.dumps(docs["caller-policy"]),
          "caller-policy names the role")
r = subprocess.run([render, "123456789012", "eu-west-1", "Not_A_Bucket"], capture_output=True, text=True)
check(r.returncode == 2 and r.stdout == "" and r.stderr.startswith("PIAM_EINVAL:"),
      f"bad bucket: exit {r.returncode} {r.stderr!r}")

cases = 0
for name in sorted(os.listdir(suite)):
    d = os.path.join(suite, name)
    if not os.path.isdir(d):
        continue
    ctx = json.load(open(os.path.join(d, "context.json")))
    lines = open(os.path.join(d, "request.txt"), "rb").read().decode().rstrip("\n").split("\n")
    line = lines[0].split(" ")
    if (len(line) != 3 or len(lines) != 2 or not lines[1].lower().startswith("host:") or "token" in ctx["credentials"]
            or not ctx["normalize"] or ctx["sign_body"]):
        continue
    cases += 1
    method, target = line[0], line[1]
    path, _, query = target.partition("?")
    epoch = calendar.timegm(time.strptime(ctx["timestamp"], "%Y-%m-%dT%H:%M:%SZ"))
    env = {"AWS_ACCESS_KEY_ID": ctx["credentials"]["access_key_id"],
           "AWS_SECRET_ACCESS_KEY": ctx["credentials"]["secret_access_key"]}
    args = [sign, ctx["service"], ctx["region"], str(epoch), method, lines[1].split(":", 1)[1], path]
    if query:
        args.append(query)
    r = subprocess.run(args, capture_output=True, text=True, env=env)
    signed = open(os.path.join(d, "header-signed-request.txt"), "rb").read().decode().split("\n")
    want = [l for l in signed[2:] if l]
    check(r.returncode == 0 and r.stdout.splitlines() == want, f"{name}: {r.stderr}\n{r.stdout!r}\nwant {want!r}")
check(cases >= 8, f"at least 8 bare suite cases, found {cases}")
r = subprocess.run([sign, "service", "us-east-1", "0", "GET", "example.amazonaws.com", "/"],
                   capture_output=True, text=True, env={})
check(r.returncode == 2 and r.stdout == "" and "PIAM_EINVAL" in r.stderr, f"no credentials: {r.stderr!r}")

finish()
