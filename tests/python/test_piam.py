#!/usr/bin/env python3
"""The Python binding (examples/python/piam.py) against the built library.

    test_piam.py unit      render, validation errors as exceptions, version, signing
    test_piam.py moto      plan, setup, setup again, teardown, a wrong secret (under with_moto.py)

PIAM_LIBRARY names the library to load; PYTHONPATH holds examples/python.
"""
import gc
import hashlib
import json
import os
import sys

import piam
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pycheck import check, finish  # noqa: E402


def raises(fn, name, what):
    """fn() raises PiamError with status name `name`; returns the error."""
    try:
        fn()
    except piam.PiamError as e:
        check(e.name == name, f"{what}: {e.name} {e.message}")
        return e
    check(False, f"{what}: no exception")
    return None


def unit():
    check(piam.version() == os.environ["PIAM_TEST_VERSION"], f"version {piam.version()}")
    with piam.Client() as client:
        opts = client.options(account="123456789012", region="eu-west-1", role="PyRole",
                              input_buckets=["training-data"], output_buckets=["results-data"])
        trust = json.loads(opts.render("trust"))
        st = trust["Statement"][0]
        check(st["Principal"] == {"Service": "personalize.amazonaws.com"} and st["Action"] == "sts:AssumeRole",
              f"trust: {trust}")
        check(st["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012", f"guard: {st}")
        s3 = opts.render("s3-access")
        check("arn:aws:s3:::training-data/*" in s3 and "s3:PutObject" in s3, f"s3-access: {s3}")
        bp = json.loads(opts.render("bucket-policy", bucket="training-data"))
        check(bp["Statement"][0]["Sid"] == "PersonalizeS3BucketAccessPolicy", f"bucket policy: {bp}")
        check("arn:aws:iam::123456789012:role/PyRole" in opts.render("caller"), "caller policy names the role")
        user = opts.render("user")
        check("iam:PassRole" in user and "personalize:*" in user, f"user policy: {user}")
        check(client.policy_equal(opts.render("trust"), json.dumps(trust, indent=None)), "equal after reformatting")

        # invalid input: an exception with the status name and the client's message; nothing changes
        e = raises(lambda: opts.set("input_buckets", ["Not_A_Bucket"]), "PIAM_EINVAL", "bad bucket")
        check(e is not None and "bucket" in e.message and e.aws_code == "" and e.http_status == 0,
              f"message: {e and e.message}")
        check(e is not None and e.status == -1 and str(e).startswith("PIAM_EINVAL: "), f"str: {e}")
        e = raises(lambda: setattr(client, "region", "not a region"), "PIAM_EINVAL", "bad region")
        check(client.region == "", f"region unchanged: {client.region!r}")
        client.region = "eu-west-1"
        check(client.region == "eu-west-1", "region set")
        raises(lambda: client.options(role="bad role name!"), "PIAM_EINVAL", "bad role name")
        raises(lambda: client.options(kms_key="alias/mine"), "PIAM_EINVAL", "KMS alias")
        raises(lambda: client.options().render("s3-access"), "PIAM_EINVAL", "s3-access without buckets")
        raises(lambda: client.options(region="eu-west-1").render("trust"), "PIAM_EINVAL", "guard without account")
        raises(lambda: client.set_endpoint("ftp://example"), "PIAM_EINVAL", "bad endpoint")
        raises(lambda: client.set_timeouts(-1, 0), "PIAM_EINVAL", "negative timeout")
        raises(lambda: client.policy_equal("{", "{}"), "PIAM_EPOLICY", "malformed policy")
        raises(lambda: client.credentials_source(), "PIAM_ECREDENTIALS", "no credentials, hermetic")

        # a credentials provider: asked when needed; an exception fails with PIAM_ECREDENTIALS
        asked = []
        client.set_credentials_provider(lambda: asked.append(1) or ("AKIDPROVIDED", "provided-secret", None, 0))
        check("callback" in client.credentials_source() and asked, f"provider: {asked}")
        signed = dict(client.sign("service", "us-east-1", 1440938160, "GET", "/", {"Host": "example.amazonaws.com"}))
        check("Credential=AKIDPROVIDED/" in signed["Authorization"], f"signed with the provider's key: {signed}")
        client.set_credentials_provider(lambda: 1 / 0)
        raises(lambda: client.credentials_source(), "PIAM_ECREDENTIALS", "provider raising")
        client.set_credentials_provider(None)

        # the SigV4 suite's get-vanilla case
        client.set_credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        headers = client.sign("service", "us-east-1", 1440938160, "GET", "/", {"Host": "example.amazonaws.com"})
        check(headers == [("X-Amz-Date", "20150830T123600Z"),
                          ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                           "aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e862"
                           "91e8372ff2a2260956d9b8aae1d763fbf31")], f"signed: {headers}")
        raises(lambda: client.sign("service", "us-east-1", 0, "GET", "/", {}), "PIAM_EINVAL", "no Host")
        # post-vanilla with a body hashed by piam: the suite's signature for an empty body
        # differs from this one, so compare with the same request signed through its hash
        body = b"Param1=value1"
        direct = client.sign("service", "us-east-1", 1440938160, "POST", "/", [("Host", "example.amazonaws.com")],
                             body=body)
        hashed = client.sign("service", "us-east-1", 1440938160, "POST", "/", [("Host", "example.amazonaws.com")],
                             body=None, payload_hash=hashlib.sha256(body).hexdigest())
        check(direct == hashed and direct != headers, f"body signed by its hash: {direct} {hashed}")
        check("piam_client_set_credentials" in client.credentials_source(), f"source: {client.credentials_source()}")
    try:
        client.region
        closed = False
    except ValueError:
        closed = True
    check(closed, "a closed client refuses calls")
    check(opts._finalizer.alive is False, "closing the client closed its options first")

    # collected without close(): the options keep their client alive, so they are freed first
    c = piam.Client(region="us-east-1")
    o = c.options(input_buckets=["b-bucket"])
    finalizers = (c._finalizer, o._finalizer)
    del c
    gc.collect()
    check(finalizers[0].alive, "the client lives while its options do")
    del o
    gc.collect()
    check(not finalizers[0].alive and not finalizers[1].alive, "both freed once unreferenced")


def moto():
    url = os.environ["PIAM_TEST_ENDPOINT"]
    region = os.environ["PIAM_TEST_REGION"]
    key, secret = os.environ["PIAM_TEST_ACCESS_KEY_ID"], os.environ["PIAM_TEST_SECRET_ACCESS_KEY"]
    account = os.environ["PIAM_TEST_ACCOUNT_ID"]
    import boto3
    boto3.client("s3", endpoint_url=url, region_name=region, aws_access_key_id=key,
                 aws_secret_access_key=secret).create_bucket(Bucket="py-training")
    arn = f"arn:aws:iam::{account}:role/PyRole"
    logs = []
    with piam.Client(region=region, endpoint=url, credentials=(key, secret)) as client:
        client.set_log(lambda level, msg: logs.append((level, msg)), piam.LOG_DEBUG)
        check(client.caller_identity().get("Account") == account, "caller identity")
        opts = client.options(role="PyRole", input_buckets=["py-training"])
        plan = client.plan(opts)
        check(plan.role_arn == arn, f"plan role ARN: {plan.role_arn}")
        check(plan.steps[0] == piam.Step("role", arn, "create"), f"plan first step: {plan.steps[:1]}")
        check(set(plan.statuses()) == {"create"}, f"plan statuses: {plan}")
        seen = []
        opts.set("progress", lambda step, res, status: seen.append((step, status)))
        plan = client.setup(opts)
        check(plan.role_arn == arn and plan.failed_step is None, f"setup: {plan}")
        check(set(plan.statuses()) == {"created"} and len(plan.steps) >= 5, f"setup statuses: {plan}")
        check(("role", "created") in seen, f"progress: {seen[:4]}")
        check(any("CreateRole" in m for _, m in logs) and all("\n" not in m for _, m in logs),
              f"log lines: {logs[:3]}")
        check(all(secret not in m for _, m in logs), "no secret in the log")
        again = client.setup(opts)
        check(set(again.statuses()) == {"unchanged"} and again.role_arn == arn, f"second setup: {again}")
        gone = client.teardown(opts)
        check(set(gone.statuses()) == {"deleted"}, f"teardown: {gone}")
        check(set(client.teardown(opts).statuses()) == {"unchanged"}, "teardown twice")
        client.set_log(None)

    with piam.Client(region=region, endpoint=url, credentials=(key, "wrong" + secret[5:])) as client:
        client.set_max_attempts(1)
        e = raises(lambda: client.plan(client.options(role="PyRole", input_buckets=["py-training"])),
                   "PIAM_ESIGNATURE", "wrong secret")
        if e:
            check(e.aws_code == "SignatureDoesNotMatch", f"AWS code: {e.aws_code}")
            check(e.http_status == 403, f"HTTP status: {e.http_status}")
            check(e.request_id != "", "request id")
            check("wrong" not in e.message and secret[5:] not in e.message, "no secret in the message")
            check(e.plan is None, "no plan when planning failed")


{"unit": unit, "moto": moto}[sys.argv[1]]()
finish()
