#!/usr/bin/env python3
"""`piam plan|setup|teardown -vv` (PIAM_LOG_TRACE: every attempt, the start of error replies) with a recognisable
secret key and session token from the environment: neither, nor any 16 characters of them,
appears in stdout or stderr. Also when setup fails (a role name taken by someone else) and when
the credentials are refused. Run under `with_moto.py --no-auth` (so the secret can be chosen):

    with_moto.py --no-auth python3 test_cli_secrets.py PATH/TO/piam
"""
import os
import re
import subprocess
import sys
import tempfile

import boto3
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pycheck import check, finish  # noqa: E402

PIAM = sys.argv[1]
ENDPOINT = os.environ["PIAM_TEST_ENDPOINT"]
REGION = os.environ["PIAM_TEST_REGION"]
SECRET = "piamCLIsecretKEY/0123456789+abcdefghijklmnopq"
TOKEN = "piamCLIsessionTOKEN//AQoDYXdzEJr+0987654321zyxwvutsrqponmlkjihgfedcba=="
HOME = tempfile.mkdtemp(prefix="piam-secrets-home-")


def leaks(text):
    for s in (SECRET, TOKEN):
        for i in range(0, len(s) - 16):
            if s[i:i + 16] in text:
                return s[i:i + 16]
    return None


def piam(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="AKIDPIAMCLISECRETS01", AWS_SECRET_ACCESS_KEY=SECRET, AWS_SESSION_TOKEN=TOKEN,
               HOME=HOME, AWS_EC2_METADATA_DISABLED="true")
    p = subprocess.run([PIAM] + list(args) + ["--endpoint-url", ENDPOINT, "--region", REGION, "-vv"], env=env,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


s3 = boto3.client("s3", endpoint_url=ENDPOINT, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
s3.create_bucket(Bucket="cli-secrets")
iam = boto3.client("iam", endpoint_url=ENDPOINT, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
iam.create_role(RoleName="NotPiams", AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}')

lines = 0
for args, want in ((["plan"], 0), (["setup"], 0), (["setup"], 0), (["teardown"], 0), (["setup", "--role", "NotPiams"], 1)):
    full = args[:1] + ["--role", "CliSecretsRole", "--bucket", "cli-secrets"] + args[1:]
    rc, out = piam(*full)
    check(rc == want, f"piam {' '.join(args)}: exit {rc}: {out[-300:]}")
    check(leaks(out) is None, f"piam {' '.join(args)}: a secret in the output: {leaks(out)}")
    check(re.search(r"^piam: debug: \w+: (POST|GET|PUT|DELETE) http", out, re.M), f"piam {' '.join(args)} -vv traces")
    lines += out.count("\n")
print(f"CLI at -vv: {lines} lines of output, no 16 characters of the secret key or session token in them")
finish()
