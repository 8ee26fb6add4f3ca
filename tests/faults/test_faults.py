#!/usr/bin/env python3
"""`piam setup` through the fault-injection proxy (fault_proxy.py) in front of moto_server, run
under with_moto.py:

    with_moto.py python3 test_faults.py PATH/TO/piam [SCENARIO...]

Each scenario scripts the proxy, runs the piam command through it and checks the exit status,
the error on stderr, the time taken and, with boto3 straight to moto, the account's state: a
failed run followed by a clean one ends exactly where a clean run ends, and teardown leaves
nothing. Prints one line per scenario (faults survived, seconds) and "N passed, N failed".
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fault_proxy import (DELETE_CONFLICT, INTERNAL, SLOWDOWN, THROTTLING, FaultProxy, Rule, access_denied,  # noqa: E402
                         drop_element, error, garbage, hang, huge, no_such_entity, reset, trickle,
                         truncate, upstream_port_of)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pycheck import check, finish  # noqa: E402

PIAM = sys.argv[1]
ONLY = sys.argv[2:]
ENDPOINT = os.environ["PIAM_TEST_ENDPOINT"]
REGION = os.environ["PIAM_TEST_REGION"]
ACCOUNT = os.environ["PIAM_TEST_ACCOUNT_ID"]
ADMIN = (os.environ["PIAM_TEST_ACCESS_KEY_ID"], os.environ["PIAM_TEST_SECRET_ACCESS_KEY"])
HOME = tempfile.mkdtemp(prefix="piam-faults-home-")

session = boto3.session.Session(aws_access_key_id=ADMIN[0], aws_secret_access_key=ADMIN[1], region_name=REGION)
iam = session.client("iam", endpoint_url=ENDPOINT)
s3 = session.client("s3", endpoint_url=ENDPOINT)
proxy = FaultProxy(upstream_port_of(ENDPOINT))

SETUP_WRITES = ["CreateRole", "AttachRolePolicy", "CreatePolicy", "AttachRolePolicy", "PutBucketPolicy"]
SETUP_STEPS = ["role", "attach-personalize-policy", "s3-access-policy", "attach-s3-access-policy", "bucket-policy"]
# What tells each write of a fresh setup from the others of its action (None: it is the only one).
SETUP_MATCH = [None, "AmazonPersonalizeFullAccess", None, "S3Access", None]
# The rounds a fresh setup's writes go out in: what needs nothing first, then the attachments.
SETUP_WAVE = [0, 1, 0, 1, 0]


class Run:
    def __init__(self, proc, seconds):
        self.rc, self.out, self.err, self.seconds = proc.returncode, proc.stdout, proc.stderr, seconds
        self.last = [line for line in self.err.splitlines() if not line.startswith("piam: debug:")][-1:] or [""]
        self.last = self.last[0]

    def statuses(self):
        return [tuple(line.split(None, 2)[:2]) for line in self.out.splitlines() if len(line.split(None, 2)) == 3]


def piam(command, role, bucket, *extra, attempts=1, timeout=5):
    args = [PIAM, command, "--role", role, "--bucket", bucket, "--endpoint-url", proxy.url, "--region", REGION,
            "--timeout", str(timeout)] + list(extra)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=ADMIN[0], AWS_SECRET_ACCESS_KEY=ADMIN[1], HOME=HOME,
               AWS_MAX_ATTEMPTS=str(attempts), AWS_EC2_METADATA_DISABLED="true")
    start = time.monotonic()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    return Run(proc, time.monotonic() - start)


def doc(text):
    if isinstance(text, dict):
        return text
    return json.loads(urllib.parse.unquote(text) if text.lstrip().startswith("%") else text)


def state(role, bucket):
    """What the account holds for `role` and `bucket`, with their names replaced so that two
    roles' states compare equal when they were set up alike."""
    out = {}
    try:
        r = iam.get_role(RoleName=role)["Role"]
        out["role"] = {"path": r["Path"], "trust": doc(r["AssumeRolePolicyDocument"]),
                       "tags": sorted((t["Key"], t["Value"]) for t in iam.list_role_tags(RoleName=role)["Tags"]),
                       "attached": sorted(p["PolicyArn"] for p in
                                          iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]),
                       "inline": iam.list_role_policies(RoleName=role)["PolicyNames"]}
    except iam.exceptions.NoSuchEntityException:
        pass
    arn = f"arn:aws:iam::{ACCOUNT}:policy/{role}-S3Access"
    try:
        p = iam.get_policy(PolicyArn=arn)["Policy"]
        versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
        default = iam.get_policy_version(PolicyArn=arn, VersionId=p["DefaultVersionId"])["PolicyVersion"]
        out["policy"] = {"tags": sorted((t["Key"], t["Value"]) for t in p.get("Tags", [])),
                         "versions": len(versions), "document": doc(default["Document"])}
    except iam.exceptions.NoSuchEntityException:
        pass
    try:
        out["bucket_policy"] = doc(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except s3.exceptions.ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchBucketPolicy":
            raise
    text = json.dumps(out, sort_keys=True)
    return json.loads(text.replace(role, "ROLE").replace(bucket, "BUCKET"))


names = iter(range(1, 1000))


def fresh(prefix):
    n = next(names)
    role, bucket = f"Fault{prefix}{n}Role", f"fault-{prefix.lower()}-{n}"
    s3.create_bucket(Bucket=bucket)
    return role, bucket


def teardown_leaves_nothing(role, bucket, what):
    proxy.reset()
    r = piam("teardown", role, bucket)
    check(r.rc == 0, f"{what}: teardown exits 0: {r.err}")
    check(state(role, bucket) == {}, f"{what}: teardown leaves nothing: {state(role, bucket)}")


CLEAN = None


def clean_state():
    """The end state of a clean setup (of its own role and bucket), to compare with."""
    global CLEAN
    if CLEAN is None:
        role, bucket = fresh("Clean")
        proxy.reset()
        r = piam("setup", role, bucket)
        check(r.rc == 0, f"clean setup exits 0: {r.err}")
        CLEAN = state(role, bucket)
        check(set(CLEAN) == {"role", "policy", "bucket_policy"}, f"clean setup made everything: {CLEAN}")
    return CLEAN


def converges(role, bucket, what):
    """A re-run without faults ends where a clean run ends; one more run changes nothing."""
    proxy.reset()
    r = piam("setup", role, bucket)
    check(r.rc == 0, f"{what}: the re-run exits 0: {r.err}")
    check(state(role, bucket) == clean_state(), f"{what}: the re-run converges to a clean run's state:\n"
          f"{state(role, bucket)}\n!=\n{clean_state()}")
    r = piam("setup", role, bucket)
    check(r.rc == 0 and all(s == "unchanged" for _, s in r.statuses()), f"{what}: then all unchanged: {r.out}")


results = []


def scenario(fn):
    results.append(fn)
    return fn


def report(name, faults, run):
    print(f"{name:34} faults injected {faults:3}   exit {run.rc}   {run.seconds:5.2f} s   {run.last[:110]}")


def expect_failure(name, rules, code, attempts=1, timeout=5, limit=15.0, message=None, extra=()):
    """Setup through the faults fails with `code` on stderr, in bounded time; then converges."""
    role, bucket = fresh("F")
    proxy.reset()
    for rule in rules:
        proxy.add(rule)
    r = piam("setup", role, bucket, *extra, attempts=attempts, timeout=timeout)
    injected = sum(1 for _, f in proxy.log if f)
    report(name, injected, r)
    check(r.rc == 1, f"{name}: exits 1 (got {r.rc}): {r.err}")
    check(injected >= 1, f"{name}: the fault was injected: {proxy.log}")
    check(re.search(code, r.last) is not None, f"{name}: stderr names {code}: {r.last}")
    if message:
        check(re.search(message, r.last) is not None, f"{name}: stderr says {message}: {r.last}")
    check(r.seconds < limit, f"{name}: bounded time ({r.seconds:.1f} s >= {limit} s)")
    check("Segmentation" not in r.err and "AddressSanitizer" not in r.err, f"{name}: no crash: {r.err}")
    r.huge_sent = proxy.huge_sent
    converges(role, bucket, name)
    return r


def expect_success(name, rules, attempts=3, extra=()):
    role, bucket = fresh("S")
    proxy.reset()
    for rule in rules:
        proxy.add(rule)
    r = piam("setup", role, bucket, *extra, attempts=attempts)
    injected = sum(1 for _, f in proxy.log if f)
    report(name, injected, r)
    check(r.rc == 0, f"{name}: setup succeeds within the retry budget: {r.err}")
    check(injected == sum(rule.applied for rule in rules) and injected >= 1, f"{name}: faults injected: {proxy.log}")
    check(state(role, bucket) == clean_state(), f"{name}: same end state as a clean run:\n"
          f"{state(role, bucket)}\n!=\n{clean_state()}")
    return r, role, bucket


@scenario
def throttling():
    expect_success("IAM Throttling x2 (first requests)", [Rule(None, error(400, THROTTLING), times=2)])
    expect_success("IAM Throttling x2 on CreateRole", [Rule("CreateRole", error(400, THROTTLING), times=2)])
    expect_success("S3 SlowDown x2 on PutBucketPolicy", [Rule("PutBucketPolicy", error(503, SLOWDOWN), times=2)])
    expect_success("S3 SlowDown x2 on GetBucketPolicy", [Rule("GetBucketPolicy", error(503, SLOWDOWN), times=2)])
    expect_failure("Throttling outlasting 3 attempts", [Rule("CreatePolicy", error(400, THROTTLING), times=None)],
                   "Throttling", attempts=3, message="s3-access-policy")
    expect_failure("SlowDown outlasting 3 attempts", [Rule("PutBucketPolicy", error(503, SLOWDOWN), times=None)],
                   "SlowDown", attempts=3, message="bucket-policy")


@scenario
def server_errors():
    for status in (500, 502, 503, 504):
        expect_success(f"HTTP {status} once", [Rule("CreateRole", error(status, INTERNAL if status == 500 else ""))])
        expect_failure(f"HTTP {status} always", [Rule("CreateRole", error(status, INTERNAL if status == 500 else ""),
                                                      times=None)],
                       "InternalFailure" if status == 500 else f"PIAM_ESERVICE|HTTP {status}", attempts=2,
                       message=f"HTTP {status}")


@scenario
def broken_connections():
    expect_success("reset before the reply, once", [Rule("GetCallerIdentity", reset())])
    expect_success("reset mid-reply, once", [Rule("CreatePolicy", reset(0.6))])
    expect_success("truncated mid-XML, once", [Rule("GetRole", truncate(0.5))])
    # The write reached moto and only its reply was lost: the retry finds what the first attempt made.
    expect_success("CreateRole reply lost (reset)", [Rule("CreateRole", reset(0.6))])
    expect_success("CreatePolicy reply lost (reset)", [Rule("CreatePolicy", reset(0.6))])
    expect_success("PutBucketPolicy reply lost", [Rule("PutBucketPolicy", truncate(0.0))])
    expect_failure("reset before the reply, always", [Rule("CreateRole", reset(), times=None)], "PIAM_ENETWORK",
                   attempts=2, message="role")
    expect_failure("reset mid-reply, always", [Rule("AttachRolePolicy", reset(0.5), times=None)], "PIAM_ENETWORK",
                   attempts=2, message="attach-personalize-policy")
    expect_failure("truncated mid-XML, always", [Rule("GetCallerIdentity", truncate(0.5), times=None)],
                   "PIAM_ENETWORK", attempts=2)


@scenario
def slow_servers():
    expect_failure("reply never comes (timeout 1 s)", [Rule("CreateRole", hang(), times=None)], "PIAM_ETIMEOUT",
                   timeout=1, limit=6)
    expect_failure("endless trickle (timeout 1 s)", [Rule("GetCallerIdentity", trickle(), times=None)],
                   "PIAM_ETIMEOUT", timeout=1, limit=6)
    expect_success("reply never comes once, then fine", [Rule("CreatePolicy", hang())], extra=("--timeout", "1"))


@scenario
def huge_replies():
    for f in (huge(), huge(chunked=True)):
        r = expect_failure(f"1 GiB reply ({f.name})", [Rule("GetRole", f, times=None)], "PIAM_ETOOBIG", attempts=3,
                           message="exceeds")
        check(0 < r.huge_sent < 64 << 20, f"{f.name}: the cap stopped the body early: {r.huge_sent} bytes")
        print(f"{'':34} {r.huge_sent / (1 << 20):.1f} MiB of the 1024 MiB went out before piam hung up")


@scenario
def lying_servers():
    expect_failure("garbage instead of XML (200)", [Rule("GetCallerIdentity", garbage(), times=None)],
                   "PIAM_EPROTOCOL")
    expect_failure("garbage instead of XML (403)", [Rule("GetRole", garbage(403), times=None)], "PIAM_EACCESS|HTTP 403")
    expect_failure("GetCallerIdentity without Account", [Rule("GetCallerIdentity", drop_element("Account"),
                                                              times=None)], "PIAM_EPROTOCOL")
    expect_failure("CreateRole reply without Arn", [Rule("CreateRole", drop_element("Arn"), times=None)],
                   "PIAM_EPROTOCOL", message="role")
    expect_failure("CreatePolicy reply without Arn", [Rule("CreatePolicy", drop_element("Arn"), times=None)],
                   "PIAM_EPROTOCOL", message="s3-access-policy")
    # On a re-run, when the role exists and is read back.
    role, bucket = fresh("Re")
    proxy.reset()
    check(piam("setup", role, bucket).rc == 0, "re-run scenario: setup")
    for op, tag in (("GetRole", "AssumeRolePolicyDocument"), ("GetPolicy", "DefaultVersionId"),
                    ("GetPolicyVersion", "Document")):
        proxy.reset()
        rule = proxy.add(Rule(op, drop_element(tag), times=None))
        r = piam("setup", role, bucket)
        report(f"{op} reply without {tag}", rule.applied, r)
        check(r.rc == 1 and "PIAM_EPROTOCOL" in r.last and f"no {tag}" in r.last,
              f"{op} without {tag}: exits 1 with PIAM_EPROTOCOL: {r.err}")
        converges(role, bucket, f"{op} without {tag}")


@scenario
def failure_at_each_step():
    """A write refused at each step of a fresh setup in turn, after the steps before it succeeded."""
    for k, op in enumerate(SETUP_WRITES):
        role, bucket = fresh("Step")
        proxy.reset()
        rule = proxy.add(Rule(op, error(403, access_denied(op)), match=SETUP_MATCH[k]))
        r = piam("setup", role, bucket)
        report(f"AccessDenied at step {k + 1} ({SETUP_STEPS[k]})", rule.applied, r)
        check(r.rc == 1 and "AccessDenied" in r.last, f"step {k}: exits 1 with AccessDenied: {r.err}")
        check(f"step {SETUP_STEPS[k]} " in r.last, f"step {k}: the error names the step {SETUP_STEPS[k]}: {r.last}")
        # the writes of earlier rounds and of its own round (sent with it) are done; no later round is sent
        sent = [i for i in range(len(SETUP_WRITES)) if SETUP_WAVE[i] <= SETUP_WAVE[k]]
        done = [SETUP_STEPS[i] for i in sent if i != k]
        check(all(f"{s} created" in r.last for s in done), f"step {k}: the error lists what was done: {r.last}")
        writes = [op_ for op_, _ in proxy.log if op_ in SETUP_WRITES]
        check(sorted(writes) == sorted(SETUP_WRITES[i] for i in sent),
              f"step {k}: nothing written after the failure's round: {writes}")
        converges(role, bucket, f"step {k}")
        teardown_leaves_nothing(role, bucket, f"step {k}")


@scenario
def eventual_consistency():
    role, bucket = fresh("Ec")
    proxy.reset()
    # The first GetRole is the read of the state (the role does not exist yet); the next two are
    # the wait's, right after CreateRole.
    rule = proxy.add(Rule("GetRole", error(404, no_such_entity(f"The role with name {role}")), skip=1, times=2))
    r = piam("setup", role, bucket, "--wait")
    report("NoSuchEntity x2 after CreateRole", rule.applied, r)
    check(r.rc == 0, f"eventual consistency: setup waits and succeeds: {r.err}")
    check(rule.applied == 2 and r.err.count("waiting for IAM") >= 2, f"eventual consistency: waited: {r.err}")
    check(state(role, bucket) == clean_state(), "eventual consistency: the end state of a clean run")
    teardown_leaves_nothing(role, bucket, "eventual consistency")

    # Without --wait: the attachments right after CreateRole / CreatePolicy are told NoSuchEntity.
    for op, skip, step in (("AttachRolePolicy", 0, "attach-personalize-policy"),
                           ("AttachRolePolicy", 1, "attach-s3-access-policy")):
        role, bucket = fresh("Ec")
        proxy.reset()
        rule = proxy.add(Rule(op, error(404, no_such_entity(f"Role {role}")), skip=skip, times=2))
        r = piam("setup", role, bucket)
        report(f"NoSuchEntity x2 on {step}", rule.applied, r)
        check(r.rc == 0 and rule.applied == 2, f"{step}: retried until visible: {r.err}")
        check(state(role, bucket) == clean_state(), f"{step}: the end state of a clean run")
    expect_failure("NoSuchEntity on attach, for ever", [Rule("AttachRolePolicy", error(404, no_such_entity("Role")),
                                                              times=None)], "NoSuchEntity", limit=10,
                   message="attach-personalize-policy")


@scenario
def teardown_under_faults():
    role, bucket = fresh("Td")
    for op in ("DetachRolePolicy", "DeletePolicy", "DeleteRole"):
        # what a failed teardown left is set up again: the deletes sent with the failed one went through
        proxy.reset()
        check(piam("setup", role, bucket).rc == 0, f"teardown scenario: setup before {op}")
        proxy.reset()
        proxy.add(Rule(op, error(400, THROTTLING), times=None))
        r = piam("teardown", role, bucket, attempts=2)
        report(f"teardown: Throttling on {op}", sum(1 for _, f in proxy.log if f), r)
        check(r.rc == 1 and "Throttling" in r.last, f"teardown fails on {op}: {r.err}")
    teardown_leaves_nothing(role, bucket, "teardown after faults")
    # IAM refuses DeletePolicy while non-default versions are left: piam lists and deletes them, then
    # deletes the policy (moto does not refuse, so the refusal is injected, once).
    role, bucket = fresh("Tv")
    proxy.reset()
    check(piam("setup", role, bucket).rc == 0, "teardown scenario: setup")
    proxy.reset()
    rule = proxy.add(Rule("DeletePolicy", error(409, DELETE_CONFLICT)))
    r = piam("teardown", role, bucket)
    report("teardown: DeleteConflict (versions) on DeletePolicy", rule.applied, r)
    ops = proxy.ops()
    check(r.rc == 0 and rule.applied == 1 and ops.count("DeletePolicy") == 2 and "ListPolicyVersions" in ops and
          ops.index("ListPolicyVersions") > ops.index("DeletePolicy"),
          f"teardown lists the versions after DeleteConflict and deletes the policy: {r.err} {ops}")
    check(state(role, bucket) == {}, f"teardown after DeleteConflict leaves nothing: {state(role, bucket)}")
    # Deletes whose replies are lost: the retry finds nothing left, which is what was wanted.
    for op in ("DetachRolePolicy", "DeletePolicy", "DeleteRole", "DeleteBucketPolicy"):
        role, bucket = fresh("Tl")
        proxy.reset()
        check(piam("setup", role, bucket).rc == 0, "teardown scenario: setup")
        rule = proxy.add(Rule(op, reset(0.6)))
        r = piam("teardown", role, bucket, attempts=3)
        report(f"teardown: {op} reply lost", rule.applied, r)
        check(r.rc == 0 and rule.applied == 1, f"teardown survives a lost {op} reply: {r.err}")
        check(state(role, bucket) == {}, f"teardown after a lost {op} reply leaves nothing: {state(role, bucket)}")


def main():
    start = time.monotonic()
    for fn in results:
        if ONLY and fn.__name__ not in ONLY:
            continue
        fn()
    proxy.close()
    print(f"{time.monotonic() - start:.0f} s")
    finish()


if __name__ == "__main__":
    main()
