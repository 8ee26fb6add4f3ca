#!/usr/bin/env python3
"""Run a command against a fresh moto_server that checks every signature and IAM policy.

    with_moto.py [--no-auth] COMMAND [ARG...]

Starts moto_server on a free loopback port with the AWS managed policies loaded, spends the
server's unauthenticated requests on an administrator user and its access key, then runs
COMMAND with these variables set:

    PIAM_TEST_ENDPOINT           http://127.0.0.1:PORT
    PIAM_TEST_REGION             us-east-1
    PIAM_TEST_ACCESS_KEY_ID      the administrator's key (every request from here on is checked)
    PIAM_TEST_SECRET_ACCESS_KEY
    PIAM_TEST_ACCOUNT_ID         moto's account id

and stops the server when COMMAND ends. With --no-auth the server checks nothing. Exits 77
(meson's "skipped") when moto_server or boto3 is missing. Never reaches beyond 127.0.0.1.
"""
import os
import socket
import subprocess
import sys
import time
import urllib.request

ADMIN_SETUP_REQUESTS = 3  # CreateUser, AttachUserPolicy, CreateAccessKey


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(auth=True):
    """Start a server; returns (process, environment for clients)."""
    port = free_port()
    env = dict(os.environ)
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    if auth:
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(ADMIN_SETUP_REQUESTS)
    else:
        env.pop("INITIAL_NO_AUTH_ACTION_COUNT", None)
    for k in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(k, None)
    proc = subprocess.Popen(
        ["moto_server", "-H", "127.0.0.1", "-p", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/data.json", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("moto_server did not start")
            time.sleep(0.1)

    import boto3
    anon = boto3.session.Session(aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap",
                                 region_name="us-east-1")
    iam = anon.client("iam", endpoint_url=url)
    iam.create_user(UserName="piam-admin")
    iam.attach_user_policy(UserName="piam-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    key = iam.create_access_key(UserName="piam-admin")["AccessKey"]
    sts = boto3.client("sts", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    account = sts.get_caller_identity()["Account"]
    client_env = {
        "PIAM_TEST_ENDPOINT": url,
        "PIAM_TEST_REGION": "us-east-1",
        "PIAM_TEST_ACCESS_KEY_ID": key["AccessKeyId"],
        "PIAM_TEST_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        "PIAM_TEST_ACCOUNT_ID": account,
    }
    return proc, client_env


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main(argv):
    auth = True
    if argv and argv[0] == "--no-auth":
        auth = False
        argv = argv[1:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        import boto3  # noqa: F401
        subprocess.run(["moto_server", "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    except (ImportError, OSError, subprocess.CalledProcessError):
        print("moto_server or boto3 missing: skipped", file=sys.stderr)
        return 77
    proc, client_env = start(auth)
    try:
        env = dict(os.environ)
        env.update(client_env)
        env["AWS_EC2_METADATA_DISABLED"] = "true"  # never ask a real metadata address
        return subprocess.run(argv, env=env).returncode
    finally:
        stop(proc)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
