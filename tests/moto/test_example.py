#!/usr/bin/env python3
"""examples/setup_personalize.c against moto (run under with_moto.py): the guide in one call."""
import os
import subprocess
import sys

import boto3
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pycheck import check, finish  # noqa: E402

exe = sys.argv[1]
url = os.environ["PIAM_TEST_ENDPOINT"]
env = dict(os.environ, AWS_ACCESS_KEY_ID=os.environ["PIAM_TEST_ACCESS_KEY_ID"],
           AWS_SECRET_ACCESS_KEY=os.environ["PIAM_TEST_SECRET_ACCESS_KEY"],
           AWS_REGION=os.environ["PIAM_TEST_REGION"], AWS_ENDPOINT_URL=url, HOME="/nonexistent")
env.pop("AWS_SESSION_TOKEN", None)
session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name=env["AWS_REGION"])
session.client("s3", endpoint_url=url).create_bucket(Bucket="example-data")


r = subprocess.run([exe, "example-data", "ExampleRole"], env=env, capture_output=True, text=True)
arn = f"arn:aws:iam::{os.environ['PIAM_TEST_ACCOUNT_ID']}:role/ExampleRole"
check(r.returncode == 0, f"exit 0: {r.stderr}")
check(r.stdout.splitlines()[-1] == arn, f"last line is the role ARN: {r.stdout}")
attached = [p["PolicyArn"] for p in session.client("iam", endpoint_url=url)
            .list_attached_role_policies(RoleName="ExampleRole")["AttachedPolicies"]]
check("arn:aws:iam::aws:policy/service-role/AmazonPersonalizeFullAccess" in attached, f"attached: {attached}")
r = subprocess.run([exe, "Not_A_Bucket"], env=env, capture_output=True, text=True)
check(r.returncode == 1 and "PIAM_EINVAL" in r.stderr and "bucket" in r.stderr, f"bad bucket: {r.stderr}")
finish()
