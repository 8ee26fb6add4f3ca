#!/usr/bin/env python3
"""piam plan / setup / teardown against moto_server, run under with_moto.py:

    with_moto.py python3 test_setup.py PATH/TO/piam

Every request piam sends is signature-checked and policy-checked by the server. boto3 (with the
administrator's keys) prepares and inspects the account between runs. Prints "N passed, N failed".
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import urllib.parse

import boto3
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pycheck import check, finish  # noqa: E402

PIAM = sys.argv[1]
ENDPOINT = os.environ["PIAM_TEST_ENDPOINT"]
REGION = os.environ["PIAM_TEST_REGION"]
ACCOUNT = os.environ["PIAM_TEST_ACCOUNT_ID"]
ADMIN = (os.environ["PIAM_TEST_ACCESS_KEY_ID"], os.environ["PIAM_TEST_SECRET_ACCESS_KEY"])
HOME = tempfile.mkdtemp(prefix="piam-test-home-")  # no ~/.aws files of the machine's user


def session(keys=ADMIN):
    return boto3.session.Session(aws_access_key_id=keys[0], aws_secret_access_key=keys[1], region_name=REGION)


iam = session().client("iam", endpoint_url=ENDPOINT)
s3 = session().client("s3", endpoint_url=ENDPOINT)


class Run:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        # what the client sent: the transport logs one line per HTTP exchange at DEBUG, and the
        # setup layer one line per AWS operation, marked read or write
        self.http = re.findall(r"^piam: debug: (GET|POST|PUT|DELETE|HEAD) http", self.err, re.M)
        self.ops = re.findall(r"^piam: debug: setup: AWS (\w+) \((read|write)\)", self.err, re.M)
        self.writes = [name for name, kind in self.ops if kind == "write"]

    def steps(self):
        return [tuple(line.split(None, 2)) for line in self.out.splitlines() if len(line.split(None, 2)) == 3]

    def statuses(self):
        return [(s[0], s[1]) for s in self.steps()]


def piam(command, role, buckets=(), *extra, keys=ADMIN, endpoint=ENDPOINT, verbose=True):
    args = [PIAM, command, "--role", role, "--endpoint-url", endpoint, "--region", REGION]
    for b in buckets:
        args += ["--bucket", b]
    args += list(extra)
    if verbose:
        args.append("-v")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=keys[0], AWS_SECRET_ACCESS_KEY=keys[1], HOME=HOME, AWS_MAX_ATTEMPTS="1")
    return Run(subprocess.run(args, env=env, capture_output=True, text=True, timeout=60))


def statements(policy_text):
    doc = json.loads(urllib.parse.unquote(policy_text)) if policy_text.startswith("%") else json.loads(policy_text)
    st = doc["Statement"]
    return st if isinstance(st, list) else [st]


def bucket_policy(bucket):
    try:
        return s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except s3.exceptions.ClientError as e:
        if e.response["Error"]["Code"] == "NoSuchBucketPolicy":
            return None
        raise


def role_exists(role):
    try:
        iam.get_role(RoleName=role)
        return True
    except iam.exceptions.NoSuchEntityException:
        return False


PERSONALIZE_ARN = "arn:aws:iam::aws:policy/service-role/AmazonPersonalizeFullAccess"


def policy_arn(role):
    return f"arn:aws:iam::{ACCOUNT}:policy/{role}-S3Access"


def test_whole_sequence():
    role, bucket = "SeqRole", "seq-training-data"
    s3.create_bucket(Bucket=bucket)

    r = piam("plan", role, [bucket])
    check(r.rc == 0, f"plan exits 0: {r.err}")
    check(r.statuses() == [("role", "create"), ("trust-policy", "create"), ("attach-personalize-policy", "create"),
                           ("s3-access-policy", "create"), ("attach-s3-access-policy", "create"),
                           ("bucket-policy", "create")], f"plan: {r.out}")
    check(r.writes == [], f"plan sends no write: {r.writes}")
    check(not role_exists(role), "plan created nothing")

    r = piam("setup", role, [bucket])
    check(r.rc == 0, f"setup exits 0: {r.err}")
    arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
    check(r.out.splitlines()[-1] == arn, f"setup's last line is the role ARN: {r.out}")
    check(all(s[1] == "created" for s in r.steps()), f"setup: every step created: {r.out}")
    # two rounds: what needs nothing first (sent together), then the attachments
    check(r.writes == ["CreateRole", "CreatePolicy", "PutBucketPolicy", "AttachRolePolicy", "AttachRolePolicy"],
          f"writes: {r.writes}")
    fresh_http = len(r.http)
    check(fresh_http == len(r.ops) == 9, f"fresh setup: 9 requests (4 reads, 5 writes), got {len(r.http)}")
    print(f"fresh setup: {len(r.http)} HTTP requests ({len(r.ops) - len(r.writes)} reads, {len(r.writes)} writes)")

    got = iam.get_role(RoleName=role)["Role"]
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role)["Tags"]}
    check(tags.get("piam:managed") == "true", f"role carries piam's tag: {tags}")
    trust = got["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(urllib.parse.unquote(trust))
    check(trust["Statement"][0]["Principal"] == {"Service": "personalize.amazonaws.com"}, f"trust: {trust}")
    check("aws:SourceAccount" in json.dumps(trust), "trust has the confused-deputy guard")
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]]
    check(attached == [PERSONALIZE_ARN, policy_arn(role)], f"attached: {attached}")
    sids = [s.get("Sid") for s in statements(bucket_policy(bucket))]
    check(sids == ["PersonalizeS3BucketAccessPolicy"], f"bucket policy: {sids}")

    r = piam("setup", role, [bucket])
    check(r.rc == 0, "second setup exits 0")
    check(all(s[1] == "unchanged" for s in r.steps()) and len(r.steps()) == 6, f"converged: {r.out}")
    check(r.writes == [], f"converged setup sends no write: {r.writes}")
    check(all(m in ("GET", "POST") for m in r.http), f"converged setup: only GET (S3) and POST (IAM/STS reads)")
    check(len(r.http) == len(r.ops), "one HTTP exchange per operation")
    # GetRole brings the role's tags along: no ListRoleTags
    check([n for n, _ in r.ops] == ["GetCallerIdentity", "GetRole", "ListAttachedRolePolicies", "GetPolicy",
                                    "GetPolicyVersion", "GetBucketPolicy"],
          f"converged setup: 6 reads, got {r.ops}")
    print(f"converged setup: {len(r.http)} HTTP requests, all reads: " + " ".join(n for n, _ in r.ops))

    r = piam("setup", role, [bucket], "--json", verbose=False)
    doc = json.loads(r.out)
    check(doc["role_arn"] == arn and [s["status"] for s in doc["steps"]] == ["unchanged"] * 6, f"json: {r.out}")
    check(set(doc["steps"][0]) == {"step", "resource", "status"}, "json step fields")

    r = piam("teardown", role, [bucket])
    check(r.rc == 0, f"teardown exits 0: {r.err}")
    check(r.statuses() == [("bucket-policy", "deleted"), ("detach-policy", "deleted"), ("detach-policy", "deleted"),
                           ("s3-access-policy", "deleted"), ("role", "deleted")], f"teardown: {r.out}")
    check(not role_exists(role), "role deleted")
    check(bucket_policy(bucket) is None, "bucket policy deleted")
    check(r.writes == ["DeleteBucketPolicy", "DetachRolePolicy", "DetachRolePolicy", "DeletePolicy", "DeleteRole"],
          f"teardown: {r.writes}")
    check(len(r.http) == len(r.ops) == 11, f"teardown: 11 requests, got {r.ops}")
    print(f"teardown: {len(r.http)} HTTP requests ({len(r.ops) - len(r.writes)} reads, {len(r.writes)} writes)")
    r = piam("teardown", role, [bucket])
    check(r.rc == 0 and r.writes == [], f"second teardown succeeds without writes: {r.out} {r.err}")


def create_user_with_policy(name, document):
    iam.create_user(UserName=name)
    arn = iam.create_policy(PolicyName=name + "-policy", PolicyDocument=document)["Policy"]["Arn"]
    iam.attach_user_policy(UserName=name, PolicyArn=arn)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def caller_policy(role, buckets, drop=()):
    """`piam render caller-policy` for this role and these buckets, as moto can evaluate it.

    The actions are kept exactly (minus `drop`). moto evaluates an IAM request against the
    resource "*" unless it names a role that already exists, so a statement scoped to the role's
    or the policy's ARN can never match there; those statements get Resource "*" (AWS itself
    evaluates the exact ARNs). S3 statements keep their bucket ARNs, which moto does check.
    """
    args = [PIAM, "render", "caller-policy", "--account", ACCOUNT, "--region", REGION, "--role", role]
    for b in buckets:
        args += ["--bucket", b]
    doc = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    for st in doc["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        st["Action"] = [a for a in actions if a not in drop]
        if all(a.startswith("iam:") for a in actions):
            st["Resource"] = "*"
    return json.dumps(doc)


def test_least_privilege_caller():
    role, bucket = "LeastRole", "least-training-data"
    s3.create_bucket(Bucket=bucket)
    keys = create_user_with_policy("piam-least", caller_policy(role, [bucket]))

    r = piam("plan", role, [bucket], keys=keys)
    check(r.rc == 0, f"least-privilege plan: {r.err}")
    r = piam("setup", role, [bucket], keys=keys)
    check(r.rc == 0, f"least-privilege setup: {r.err}")
    r = piam("setup", role, [bucket], keys=keys)
    check(r.rc == 0 and r.writes == [], f"least-privilege converged setup: {r.err}")
    r = piam("teardown", role, [bucket], keys=keys)
    check(r.rc == 0, f"least-privilege teardown: {r.err}")
    check(not role_exists(role) and bucket_policy(bucket) is None, "least-privilege teardown removed everything")

    # the server really checks the policy: another bucket is denied
    s3.create_bucket(Bucket="least-other-bucket")
    r = piam("plan", role, ["least-other-bucket"], keys=keys)
    check(r.rc == 1 and "AccessDenied" in r.err, f"another bucket is denied: {r.rc} {r.err}")

    # and every action in it is needed: without iam:GetPolicyVersion, a re-run cannot compare the S3 policy
    keys = create_user_with_policy("piam-least-minus", caller_policy(role, [bucket], drop=("iam:GetPolicyVersion",)))
    r = piam("setup", role, [bucket], keys=keys)
    check(r.rc == 0, f"first setup needs no GetPolicyVersion: {r.err}")
    r = piam("setup", role, [bucket], keys=keys)
    check(r.rc == 1 and "iam:GetPolicyVersion" in r.err, f"re-run without GetPolicyVersion is denied: {r.err}")
    r = piam("teardown", role, [bucket])
    check(r.rc == 0, "least: cleanup")


def test_drift_repair():
    role, bucket = "DriftRole", "drift-training-data"
    s3.create_bucket(Bucket=bucket)
    r = piam("setup", role, [bucket], "--cloudwatch")
    check(r.rc == 0, f"drift: setup: {r.err}")

    iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.detach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/CloudWatchFullAccess")
    wide = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    for _ in range(4):  # four extra versions: the policy is at IAM's limit of five
        iam.create_policy_version(PolicyArn=policy_arn(role), PolicyDocument=wide, SetAsDefault=True)

    r = piam("plan", role, [bucket], "--cloudwatch")
    check(r.statuses() == [("role", "unchanged"), ("trust-policy", "update"), ("attach-personalize-policy", "unchanged"),
                           ("s3-access-policy", "update"), ("attach-s3-access-policy", "unchanged"),
                           ("attach-cloudwatch", "create"),
                           ("bucket-policy", "unchanged")], f"drift plan: {r.out}")
    r = piam("setup", role, [bucket], "--cloudwatch")
    check(r.rc == 0, f"drift repair: {r.err}")
    check(r.writes == ["UpdateAssumeRolePolicy", "DeletePolicyVersion", "CreatePolicyVersion", "AttachRolePolicy"],
          f"drift writes: {r.writes}")
    versions = iam.list_policy_versions(PolicyArn=policy_arn(role))["Versions"]
    ids = sorted(v["VersionId"] for v in versions)
    check(len(versions) == 5 and "v1" not in ids, f"the oldest non-default version made room: {ids}")
    default = [v for v in versions if v["IsDefaultVersion"]][0]
    doc = iam.get_policy_version(PolicyArn=policy_arn(role), VersionId=default["VersionId"])["PolicyVersion"]
    check("s3:*" not in json.dumps(doc["Document"]), "the default version is piam's again")
    r = piam("setup", role, [bucket], "--cloudwatch")
    check(r.rc == 0 and r.writes == [], f"converged after repair: {r.out}")
    r = piam("teardown", role, [bucket])
    check(r.rc == 0 and not role_exists(role), f"drift teardown: {r.err}")
    check(("detach-policy", "deleted") in r.statuses(), "teardown detached both policies")


def test_foreign_bucket_statements():
    role, bucket = "ForeignStmtRole", "foreign-stmt-data"
    s3.create_bucket(Bucket=bucket)
    foreign = {"Version": "2012-10-17", "Id": "KeepMe", "Statement": [
        {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(foreign))

    r = piam("setup", role, [bucket])
    check(r.rc == 0 and ("bucket-policy", "updated") in r.statuses(), f"foreign: setup merges: {r.out} {r.err}")
    doc = json.loads(bucket_policy(bucket))
    kept = [s for s in doc["Statement"] if s.get("Sid") == "DenyInsecure"]
    check(kept == foreign["Statement"], f"foreign statement kept as it was: {kept}")
    check(doc.get("Id") == "KeepMe", "top-level fields kept")
    check(len(doc["Statement"]) == 2, "our statement added")
    r = piam("setup", role, [bucket])
    check(r.rc == 0 and r.writes == [], "foreign: converged")

    r = piam("teardown", role, [bucket])
    check(r.rc == 0, f"foreign: teardown: {r.err}")
    check(json.loads(bucket_policy(bucket)) == foreign, "teardown leaves exactly the foreign policy")


def test_foreign_role():
    role, bucket = "ForeignRole", "foreign-role-data"
    s3.create_bucket(Bucket=bucket)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
    before = iam.get_role(RoleName=role)["Role"]

    for command in ("plan", "setup", "teardown"):
        r = piam(command, role, [bucket])
        check(r.rc == 1 and "PIAM_ENOTOWNED" in r.err and "not created by piam" in r.err,
              f"{command} refuses a foreign role: {r.rc} {r.err}")
        check(r.writes == [], f"{command}: nothing written")
    after = iam.get_role(RoleName=role)["Role"]
    check(after["AssumeRolePolicyDocument"] == before["AssumeRolePolicyDocument"], "trust untouched")
    check(iam.list_role_tags(RoleName=role)["Tags"] == [], "no tag added")
    check(iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == [], "nothing attached")
    check(bucket_policy(bucket) is None, "bucket untouched")

    r = piam("setup", role, [bucket], "--adopt")
    check(r.rc == 0 and ("role", "updated") in r.statuses() and ("trust-policy", "updated") in r.statuses(),
          f"--adopt takes it over: {r.out} {r.err}")
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role)["Tags"]}
    check(tags.get("piam:managed") == "true", "adopted role tagged")
    r = piam("teardown", role, [bucket])
    check(r.rc == 0 and not role_exists(role), f"adopted role torn down: {r.err}")


def test_failure_in_the_middle():
    role, bucket = "HalfRole", "half-training-data"
    s3.create_bucket(Bucket=bucket)
    keys = create_user_with_policy("piam-no-bucket-policy", caller_policy(role, [bucket], drop=("s3:PutBucketPolicy",)))

    r = piam("setup", role, [bucket], "--json", keys=keys)
    check(r.rc == 1, f"denied step fails the run: {r.rc}")
    out = json.loads(r.out)
    check(out["failed_step"] == "bucket-policy", f"failed step named in JSON: {r.out}")
    # the bucket policy went out with the role and the S3 policy; the attachments, a round later, did not
    check([s["status"] for s in out["steps"]] == ["created", "create", "create", "created", "create", "failed"],
          f"what was done: {r.out}")
    check("AccessDenied" in r.err and "step bucket-policy" in r.err and
          "already done: role created, s3-access-policy created" in r.err, f"stderr names the step and what was done: {r.err}")
    check(role_exists(role) and bucket_policy(bucket) is None and
          iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == [],
          "the account holds what was done, no more")

    r = piam("setup", role, [bucket])
    check(r.rc == 0, f"re-run converges: {r.err}")
    check(r.statuses() == [("role", "unchanged"), ("trust-policy", "unchanged"), ("attach-personalize-policy", "created"),
                           ("s3-access-policy", "unchanged"), ("attach-s3-access-policy", "created"),
                           ("bucket-policy", "created")], f"re-run: {r.out}")
    check(r.writes == ["AttachRolePolicy", "AttachRolePolicy", "PutBucketPolicy"],
          f"re-run only does what was left: {r.writes}")
    r = piam("teardown", role, [bucket])
    check(r.rc == 0, "half: teardown")


def test_errors():
    # a wrong secret: the server's signature check fails, and piam says so
    r = piam("plan", "AnyRole", ["any-bucket"], keys=(ADMIN[0], "wrong" + ADMIN[1][5:]))
    check(r.rc == 1 and "SignatureDoesNotMatch" in r.err, f"wrong secret: {r.rc} {r.err}")

    # a bucket that does not exist: found while reading, before anything is written
    r = piam("setup", "NoBucketRole", ["no-such-bucket-here"])
    check(r.rc == 1 and "NoSuchBucket" in r.err and r.writes == [], f"missing bucket: {r.rc} {r.err}")
    check(not role_exists("NoBucketRole"), "missing bucket: no role created")

    # invalid input: exit 2 and not a single connection to the endpoint
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        url = "http://127.0.0.1:%d" % listener.getsockname()[1]
        cases = [
            ("setup", "Bad Role", ["ok-bucket"]),
            ("setup", "R", ["Bad_Bucket"]),
            ("plan", "R", ["ok-bucket", "--kms-key", "not-an-arn"]),
            ("teardown", "R", ["ok-bucket", "--no-such-flag"]),
            ("setup", "R", []),
            ("setup", "R", ["ok-bucket", "--region", "nowhere"]),
            ("setup", "R", ["ok-bucket", "--output-bucket"]),
        ]
        for command, role, rest in cases:
            buckets = [b for b in rest[:1] if not b.startswith("--")]
            r = piam(command, role, buckets, *rest[len(buckets):], endpoint=url)
            check(r.rc == 2 and r.out == "" and r.err.startswith("piam: "), f"{command} {role} {rest}: exit 2: {r.rc} {r.err}")
            try:
                conn, _ = listener.accept()
                conn.close()
                check(False, f"{command} {role} {rest}: a connection was made")
            except BlockingIOError:
                check(True, "no connection")
    for command in ("plan", "setup", "teardown"):
        r = subprocess.run([PIAM, command, "--help"], capture_output=True, text=True)
        flags = ["--role", "--bucket", "--output-bucket", "--kms-key", "--cloudwatch", "--no-bucket-policy",
                 "--no-guard", "--adopt", "--wait", "--region", "--profile", "--endpoint-url", "--json", "-v"]
        check(r.returncode == 0 and all(f in r.stdout for f in flags), f"{command} --help lists every flag")


def test_profile():
    """--profile picks the keys of a profile in the shared credentials file (no AWS_* keys set)."""
    role, bucket = "ProfileRole", "profile-training-data"
    s3.create_bucket(Bucket=bucket)
    home = tempfile.mkdtemp(prefix="piam-test-profile-")
    os.makedirs(os.path.join(home, ".aws"))
    with open(os.path.join(home, ".aws", "credentials"), "w") as f:
        f.write(f"[default]\naws_access_key_id = AKIADEFAULTWRONG\naws_secret_access_key = wrong\n\n"
                f"[piam-demo]\naws_access_key_id = {ADMIN[0]}\naws_secret_access_key = {ADMIN[1]}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=home, AWS_MAX_ATTEMPTS="1")
    args = [PIAM, "setup", "--role", role, "--bucket", bucket, "--endpoint-url", ENDPOINT, "--region", REGION]
    r = subprocess.run(args + ["--profile", "piam-demo"], env=env, capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and role_exists(role), f"--profile: {r.stderr}")
    r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    check(r.returncode == 1, f"without --profile the default profile's (wrong) keys are used: {r.stderr}")
    r = subprocess.run([PIAM, "teardown"] + args[2:] + ["--profile", "piam-demo"], env=env, capture_output=True,
                       text=True, timeout=60)
    check(r.returncode == 0 and not role_exists(role), f"--profile teardown: {r.stderr}")


def test_wait():
    role, bucket = "WaitRole", "wait-training-data"
    s3.create_bucket(Bucket=bucket)
    r = piam("setup", role, [bucket], "--wait", "--no-bucket-policy")
    check(r.rc == 0 and [s[0] for s in r.steps()][-1] == "attach-s3-access-policy", f"wait: {r.out} {r.err}")
    check(r.ops[-1] == ("GetRole", "read"), f"--wait reads the new role back: {r.ops}")
    check(bucket_policy(bucket) is None, "--no-bucket-policy leaves the bucket alone")
    r = piam("teardown", role, [bucket], "--no-bucket-policy")
    check(r.rc == 0, "wait: teardown")


for test in (test_whole_sequence, test_least_privilege_caller, test_drift_repair, test_foreign_bucket_statements,
             test_foreign_role, test_failure_in_the_middle, test_errors, test_profile, test_wait):
    try:
        test()
    except Exception as e:  # a crash in one scenario is a failure, the others still run
        check(False, f"{test.__name__}: {type(e).__name__}: {e}")
finish()
