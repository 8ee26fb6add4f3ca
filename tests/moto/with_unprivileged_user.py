#!/usr/bin/env python3
"""Run COMMAND with a second, unprivileged user's key in the environment (under with_moto.py).

    with_unprivileged_user.py COMMAND [ARG...]

Creates the IAM user piam-nobody (no policies) and an access key for it with the administrator
key from PIAM_TEST_*, then runs COMMAND with PIAM_TEST_NOBODY_ACCESS_KEY_ID and
PIAM_TEST_NOBODY_SECRET_ACCESS_KEY set, so tests can see AccessDenied.
"""
import os
import sys

import boto3


def main(argv):
    iam = boto3.client("iam", endpoint_url=os.environ["PIAM_TEST_ENDPOINT"],
                       region_name=os.environ["PIAM_TEST_REGION"],
                       aws_access_key_id=os.environ["PIAM_TEST_ACCESS_KEY_ID"],
                       aws_secret_access_key=os.environ["PIAM_TEST_SECRET_ACCESS_KEY"])
    iam.create_user(UserName="piam-nobody")
    key = iam.create_access_key(UserName="piam-nobody")["AccessKey"]
    os.environ["PIAM_TEST_NOBODY_ACCESS_KEY_ID"] = key["AccessKeyId"]
    os.environ["PIAM_TEST_NOBODY_SECRET_ACCESS_KEY"] = key["SecretAccessKey"]
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
