#!/usr/bin/env python3
"""`piam render`: JSON on stdout and exit 0; invalid input exits 2 with one line on stderr and
nothing on stdout; other failures exit 1.

    cli_render.py PIAM GOLDEN_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
from pycheck import check, finish  # noqa: E402

piam, golden = sys.argv[1:3]
ACCOUNT = "123456789012"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def run(*args, stdin=None):
    p = subprocess.run([piam, "render", *args], capture_output=True, text=True, input=stdin)
    return p.returncode, p.stdout, p.stderr


def ok(args, golden_name=None, stdin=None):
    """Exit 0, a JSON document on stdout (equal to the golden file when named), stderr empty."""
    code, out, err = run(*args, stdin=stdin)
    what = " ".join(args)
    check(code == 0, f"{what}: exit {code}, stderr {err!r}")
    check(err == "", f"{what}: stderr {err!r}")
    doc = None
    try:
        doc = json.loads(out)
    except ValueError:
        check(False, f"{what}: stdout is not JSON: {out!r}")
    if golden_name:
        with open(os.path.join(golden, golden_name)) as f:
            check(out == f.read(), f"{what}: differs from {golden_name}")
    return doc


def invalid(args, needle, code_expected=2):
    """Exit 2 (or 1), nothing on stdout, exactly one line on stderr that mentions `needle`."""
    code, out, err = run(*args)
    what = " ".join(args)
    check(code == code_expected, f"{what}: exit {code}, expected {code_expected}")
    check(out == "", f"{what}: stdout {out!r}")
    check(err.endswith("\n") and err.count("\n") == 1 and err.startswith("piam: "), f"{what}: stderr {err!r}")
    check(needle.lower() in err.lower(), f"{what}: stderr {err!r} lacks {needle!r}")


# The documents, as the golden files have them.
ok(["trust", "--account", ACCOUNT, "--region", "us-east-1"], "trust.json")
ok(["trust", "--account=" + ACCOUNT, "--region=cn-north-1"], "trust-cn.json")
ok(["trust", "--no-guard"], "trust-noguard.json")
ok(["s3-access", "--bucket", "training-data", "--region", "us-east-1"], "s3-access.json")
ok(["s3-access", "--bucket", "training-data", "--bucket", "more-data.example", "--output-bucket", "batch-output",
    "--kms-key", KEY], "s3-access-full.json")
ok(["bucket-policy", "--bucket", "training-data"], "bucket-policy.json")
ok(["bucket-policy", "--bucket", "batch-output", "--output"], "bucket-policy-output.json")
ok(["caller-policy", "--account", ACCOUNT, "--region", "us-east-1", "--bucket", "training-data",
    "--bucket", "more-data.example", "--output-bucket", "batch-output"], "caller-policy.json")
ok(["caller-policy", "--region", "cn-northwest-1", "--role", "RecsRole", "--policy-name", "RecsS3",
    "--path", "/personalize/"], "caller-policy-noaccount.json")
ok(["user-policy", "--account", ACCOUNT], "user-policy.json")
ok(["user-policy", "--region", "cn-northwest-1", "--role", "RecsRole", "--path", "/personalize/"],
   "user-policy-noaccount.json")
doc = ok(["caller-policy"])
check(doc is not None and len(doc["Statement"]) == 4, "caller-policy without flags")

# Merging into an existing bucket policy, from a file and from stdin.
foreign = {"Version": "2012-10-17", "Id": "Existing", "Statement": [
    {"Sid": "Keep", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket",
     "Resource": "arn:aws:s3:::training-data"}]}
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "existing.json")
    with open(path, "w") as f:
        json.dump(foreign, f)
    doc = ok(["bucket-policy", "--bucket", "training-data", "--existing", path])
    check(doc is not None and doc["Id"] == "Existing" and doc["Statement"][0] == foreign["Statement"][0]
          and doc["Statement"][1]["Sid"] == "PersonalizeS3BucketAccessPolicy", "merge keeps the foreign statement")
    doc = ok(["bucket-policy", "--bucket", "training-data", "--existing", "-"], stdin=json.dumps(foreign))
    check(doc is not None and len(doc["Statement"]) == 2, "merge from stdin")
    bad = os.path.join(tmp, "bad.json")
    with open(bad, "w") as f:
        f.write('{"Statement": [{"Effect": "Perhaps"}]}')
    invalid(["bucket-policy", "--bucket", "training-data", "--existing", bad], "Effect")
    with open(bad, "w") as f:
        f.write("not json at all")
    invalid(["bucket-policy", "--bucket", "training-data", "--existing", bad], "not valid JSON")
    invalid(["bucket-policy", "--bucket", "training-data", "--existing", os.path.join(tmp, "missing.json")],
            "cannot read", code_expected=1)

# Invalid input: exit 2, one line, nothing on stdout.
invalid(["trust"], "account")
invalid(["trust", "--account", ACCOUNT], "region")
invalid(["trust", "--account", "12345", "--region", "us-east-1"], "account id")
invalid(["trust", "--account", ACCOUNT, "--region", "moon-1"], "region")
invalid(["s3-access"], "bucket")
invalid(["s3-access", "--bucket", "Bad_Bucket"], "bucket name")
invalid(["s3-access", "--bucket", "192.168.1.1"], "IP address")
invalid(["s3-access", "--bucket", "xn--bucket"], "xn--")
invalid(["s3-access", "--bucket", "ok-bucket", "--kms-key", "arn:aws:kms:us-east-1:123456789012:alias/a"], "alias")
invalid(["s3-access", "--bucket", "ok-bucket", "--kms-key", KEY, "--region", "cn-north-1"], "partition")
invalid(["bucket-policy"], "--bucket")
invalid(["bucket-policy", "--bucket", "one-bucket", "--bucket", "two-bucket"], "one --bucket")
invalid(["caller-policy", "--role", "no spaces please"], "role name")
invalid(["caller-policy", "--path", "/*/"], "path")
invalid(["caller-policy", "--policy-name", "x" * 129], "policy name")
invalid(["user-policy", "--account"], "needs a value")
invalid(["user-policy", "--bucket", "abc"], "unknown option")
invalid(["trust", "--no-guard=yes"], "takes no value")
invalid(["trust", "--frobnicate"], "unknown option")
invalid(["nonsense"], "unknown document")

# Help goes to stdout with exit 0; no document at all is a usage error.
code, out, err = run("--help")
check(code == 0 and "caller-policy" in out and "--kms-key" in out and err == "", "render --help")
code, out, err = run("trust", "--help")
check(code == 0 and "--no-guard" in out, "render trust --help")
code, out, err = run()
check(code == 2 and out == "" and "usage" in err, "render without a document")

finish()
