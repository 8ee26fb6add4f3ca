#!/usr/bin/env python3
"""piam setup's reads overlap: run under with_moto.py through a small counting proxy.

    with_moto.py python3 test_overlap.py PATH/TO/piam

The proxy (127.0.0.1, a thread per connection) passes bytes through to moto_server unchanged and
counts the requests in flight, and the writes among them: a connection is busy from its
request's first byte to its reply's first byte, which the proxy holds back for 100 ms so that
requests sent together are seen together however fast the server answers. piam must send the
reads that do not depend on each other together, and the writes too (so more than one is in
flight at once), and still send exactly the requests it sends one by one.
Prints "N passed, N failed".
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import boto3
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pycheck import check, finish  # noqa: E402

PIAM = sys.argv[1]
ENDPOINT = os.environ["PIAM_TEST_ENDPOINT"]
REGION = os.environ["PIAM_TEST_REGION"]
ADMIN = (os.environ["PIAM_TEST_ACCESS_KEY_ID"], os.environ["PIAM_TEST_SECRET_ACCESS_KEY"])
HOME = tempfile.mkdtemp(prefix="piam-test-home-")


class Proxy:
    def __init__(self, target):
        u = urllib.parse.urlparse(target)
        self.target = (u.hostname, u.port)
        self.lock = threading.Lock()
        self.busy = self.max_busy = self.connections = 0
        self.writes = self.max_writes = self.reads = self.max_reads = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self.accept, daemon=True).start()

    def reset(self):
        with self.lock:
            self.busy = self.max_busy = self.connections = 0
            self.writes = self.max_writes = self.reads = self.max_reads = 0

    def accept(self):
        while True:
            client, _ = self.sock.accept()
            with self.lock:
                self.connections += 1
            server = socket.create_connection(self.target)
            state = {"busy": False, "head": b"", "write": None}
            threading.Thread(target=self.pump, args=(client, server, state, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client, state, False), daemon=True).start()

    def mark(self, state, busy):
        with self.lock:
            if state["busy"] != busy:
                state["busy"] = busy
                self.busy += 1 if busy else -1
                self.max_busy = max(self.max_busy, self.busy)
                if not busy and state["write"] is not None:
                    if state["write"]:
                        self.writes -= 1
                    else:
                        self.reads -= 1
                    state["write"] = None

    def classify(self, state, data):
        """Once the request is all here: a read (Get*, List*, S3 GETs) or a write counts as one. One
        request per connection: moto closes each after its reply."""
        if state["write"] is not None:
            return
        state["head"] += data
        head, sep, body = state["head"].partition(b"\r\n\r\n")
        if not sep:
            return
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        if length and len(body) < int(length.group(1)):
            return
        method = head.split(b" ", 1)[0]
        action = re.search(rb"(?:^|&)Action=(\w+)", body)
        write = method in (b"PUT", b"DELETE") or bool(action and not re.match(rb"Get|List", action.group(1)))
        with self.lock:
            if not state["busy"]:
                return  # the reply has begun (cannot happen before the request is whole, but be safe)
            state["write"] = write
            if write:
                self.writes += 1
                self.max_writes = max(self.max_writes, self.writes)
            else:
                self.reads += 1
                self.max_reads = max(self.max_reads, self.reads)

    def pump(self, src, dst, state, request):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if not request and state["busy"]:
                    time.sleep(0.1)
                self.mark(state, request)
                if request:
                    self.classify(state, data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self.mark(state, False)
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def piam(command, role, buckets, endpoint):
    args = [PIAM, command, "--role", role, "--endpoint-url", endpoint, "--region", REGION, "-v"]
    for b in buckets:
        args += ["--bucket", b]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=ADMIN[0], AWS_SECRET_ACCESS_KEY=ADMIN[1], HOME=HOME, AWS_MAX_ATTEMPTS="1")
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    http = re.findall(r"^piam: debug: (GET|POST|PUT|DELETE|HEAD) http", p.stderr, re.M)
    ops = re.findall(r"^piam: debug: setup: AWS (\w+) \((read|write)\)", p.stderr, re.M)
    return p, http, ops


def main():
    s3 = boto3.session.Session(aws_access_key_id=ADMIN[0], aws_secret_access_key=ADMIN[1],
                               region_name=REGION).client("s3", endpoint_url=ENDPOINT)
    proxy = Proxy(ENDPOINT)
    role, buckets = "OverlapRole", ["overlap-in", "overlap-out"]
    for b in buckets:
        s3.create_bucket(Bucket=b)

    proxy.reset()
    p, http, ops = piam("setup", role, buckets, proxy.url)
    check(p.returncode == 0, f"setup through the proxy: {p.stderr}")
    # GetCallerIdentity, GetRole and two GetBucketPolicy together; GetPolicy; then the writes
    check(len(http) == len(ops) == 11, f"fresh setup, two buckets: 11 requests, got {len(http)}: {ops}")
    check(proxy.max_reads == 4, f"fresh setup: the first reads overlap (at most {proxy.max_reads} in flight)")
    # CreateRole, CreatePolicy and the two PutBucketPolicy together, then the two attachments
    check(proxy.max_writes == 4, f"fresh setup: the independent writes overlap (at most {proxy.max_writes} in flight)")
    print(f"fresh setup: {len(http)} requests, {proxy.max_reads} reads and {proxy.max_writes} writes at once at most")

    proxy.reset()
    p, http, ops = piam("setup", role, buckets, proxy.url)
    check(p.returncode == 0, f"converged setup: {p.stderr}")
    check(all(kind == "read" for _, kind in ops), f"converged: reads only: {ops}")
    check(len(http) == len(ops) == 7, f"converged, two buckets: 7 reads, got {len(http)}: {ops}")
    check(proxy.max_reads == 4, f"converged: the reads overlap (at most {proxy.max_reads} in flight)")
    check(proxy.max_writes == 0, f"converged: no write ({proxy.max_writes})")
    print(f"converged setup: {len(http)} requests, {proxy.max_reads} reads at once at most")

    proxy.reset()
    p, http, ops = piam("teardown", role, buckets, proxy.url)
    check(p.returncode == 0, f"teardown: {p.stderr}")
    check(len(http) == len(ops), f"teardown: one exchange per operation: {len(http)} {ops}")
    check(proxy.max_reads == 4, f"teardown: the reads overlap (at most {proxy.max_reads} in flight)")
    # the two bucket policies' deletes and the two detaches together
    check(proxy.max_writes == 4, f"teardown: the independent deletes overlap (at most {proxy.max_writes} in flight)")
    print(f"teardown: {len(http)} requests, {proxy.max_reads} reads and {proxy.max_writes} writes at once at most")


try:
    main()
except Exception as e:  # a crash is a failure
    check(False, f"{type(e).__name__}: {e}")
finish()
