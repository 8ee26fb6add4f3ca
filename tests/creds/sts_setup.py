#!/usr/bin/env python3
"""Prepare moto_server for tests/test_creds_sts, then run it: COMMAND [ARG...].

Run under tests/moto/with_moto.py. Creates two roles the test assumes:
  piam-creds-read   trusted by the administrator user, IAMReadOnlyAccess attached (reads work,
                    writes are denied) and allowed to assume piam-creds-chain
  piam-creds-chain  trusted by piam-creds-read's sessions, IAMReadOnlyAccess attached
and passes their ARNs on as PIAM_TEST_ROLE_READ and PIAM_TEST_ROLE_CHAIN.
"""
import json
import os
import subprocess
import sys

import boto3


def main(argv):
    url = os.environ["PIAM_TEST_ENDPOINT"]
    account = os.environ["PIAM_TEST_ACCOUNT_ID"]
    auth = {}
    if "PIAM_TEST_ACCESS_KEY_ID" in os.environ:
        auth = dict(aws_access_key_id=os.environ["PIAM_TEST_ACCESS_KEY_ID"],
                    aws_secret_access_key=os.environ["PIAM_TEST_SECRET_ACCESS_KEY"])
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", **auth)
    read_arn = f"arn:aws:iam::{account}:role/piam-creds-read"
    principals = {
        "piam-creds-read": [f"arn:aws:iam::{account}:user/piam-admin"],
        "piam-creds-chain": [f"arn:aws:sts::{account}:assumed-role/piam-creds-read/piam-test", read_arn],
    }
    for name, trusted in principals.items():
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"Federated": "accounts.google.com"},
             "Action": "sts:AssumeRoleWithWebIdentity"}]}
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    # Sessions of the first role may assume the second (the identity side of a role chain).
    chain = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{account}:role/piam-creds-chain"}]}
    iam.put_role_policy(RoleName="piam-creds-read", PolicyName="chain", PolicyDocument=json.dumps(chain))
    env = dict(os.environ)
    env["PIAM_TEST_ROLE_READ"] = read_arn
    env["PIAM_TEST_ROLE_CHAIN"] = f"arn:aws:iam::{account}:role/piam-creds-chain"
    return subprocess.run(argv, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
