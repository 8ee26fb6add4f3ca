#!/usr/bin/env python3
"""Run a command against a loopback stand-in for EC2 instance metadata and the container agent.

    metadata_server.py COMMAND [ARG...]

Serves on 127.0.0.1:PORT and runs COMMAND with PIAM_TEST_METADATA_URL=http://127.0.0.1:PORT.
Paths start with a scenario so one server covers every case:

    /imds/SCENARIO/latest/api/token                       PUT, needs X-aws-ec2-metadata-token-ttl-seconds
    /imds/SCENARIO/latest/meta-data/iam/security-credentials/[ROLE]   GET, needs the token
    /container/SCENARIO                                   GET, needs Authorization: container-secret-token
    /log                                                  what was asked so far, one line per request

IMDS scenarios: ok, norole, v1only (token PUT refused), flaky (first token PUT fails with 503),
badcode (Code is not Success), slow (token PUT takes 3 s). Container scenarios: ok, error (500).
A read without the session token gets 401, as IMDSv2 with tokens required does.
"""
import datetime
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROLE = "piam-role"
CONTAINER_TOKEN = "container-secret-token"
state = {"log": [], "flaky": 0, "issued": 0}
lock = threading.Lock()


def credentials(token_key="Token"):
    with lock:
        state["issued"] += 1
        n = state["issued"]
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    return {
        "Code": "Success",
        "AccessKeyId": f"ASIAMETA{n}",
        "SecretAccessKey": "METASECRET",
        token_key: "METATOKEN",
        "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", ctype="text/plain"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the "slow" scenario: the client gave up, as it should

    def record(self):
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        token = self.headers.get("X-aws-ec2-metadata-token")
        auth = self.headers.get("Authorization")
        line = f"{self.command} {self.path}"
        if ttl:
            line += f" ttl={ttl}"
        if token:
            line += f" token={token}"
        if auth:
            line += " auth=" + ("ok" if auth == CONTAINER_TOKEN else "wrong")
        with lock:
            state["log"].append(line)

    def do_PUT(self):
        self.record()
        parts = self.path.split("/")
        if len(parts) < 4 or parts[1] != "imds" or "/".join(parts[3:]) != "latest/api/token":
            return self.reply(404)
        scenario = parts[2]
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
        if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return self.reply(400, "missing or bad TTL")
        if scenario == "v1only":
            return self.reply(403)
        if scenario == "slow":
            time.sleep(3)
        if scenario == "flaky":
            with lock:
                state["flaky"] += 1
                first = state["flaky"] == 1
            if first:
                return self.reply(503)
        self.reply(200, "TOKEN-" + scenario)

    def do_GET(self):
        self.record()
        if self.path == "/log":
            with lock:
                return self.reply(200, "\n".join(state["log"]) + "\n")
        parts = self.path.split("/")
        if len(parts) >= 3 and parts[1] == "container":
            if self.headers.get("Authorization") != CONTAINER_TOKEN:
                return self.reply(401)
            if parts[2] == "error":
                return self.reply(500)
            return self.reply(200, json.dumps(credentials()), "application/json")
        if len(parts) < 4 or parts[1] != "imds":
            return self.reply(404)
        scenario = parts[2]
        if self.headers.get("X-aws-ec2-metadata-token") != "TOKEN-" + scenario:
            return self.reply(401)
        rest = "/".join(parts[3:])
        base = "latest/meta-data/iam/security-credentials/"
        if rest == base:
            if scenario == "norole":
                return self.reply(404)
            return self.reply(200, ROLE + "\n")
        if rest == base + ROLE:
            body = credentials()
            if scenario == "badcode":
                body["Code"] = "Failure"
            return self.reply(200, json.dumps(body), "application/json")
        self.reply(404)


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ)
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(k, None)
    env["PIAM_TEST_METADATA_URL"] = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        return subprocess.run(argv, env=env).returncode
    finally:
        server.shutdown()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
