"""A scripted fault-injection proxy for piam's tests: it sits on 127.0.0.1 between piam and
moto_server, forwards requests faithfully, and misbehaves on the ones its rules pick.

    proxy = FaultProxy(upstream_port)          # listens on 127.0.0.1:proxy.port
    proxy.add(Rule("CreateRole", fault=error(400, THROTTLING), times=2))
    ...
    proxy.close()

Requests are named by their AWS operation: the Query `Action` of IAM and STS, and for S3 the
bucket subresource (`GetBucketPolicy`, `PutBucketPolicy`, `DeleteBucketPolicy`,
`GetBucketLocation`). A rule matches an operation (or every request: None), lets the first
`skip` matches through, then applies its fault `times` times (None: for ever). Every request,
faulted or not, is recorded in `proxy.log` as (operation, fault name or None).

The faults work on the byte stream (not through an HTTP library) so they can reset a connection,
stop in the middle of a body, trickle or stream without end. Nothing here reaches beyond
127.0.0.1.
"""
import http.client
import os
import re
import socket
import ssl
import struct
import threading
import time
import urllib.parse

THROTTLING = ("<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
              "<Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>")
SLOWDOWN = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
            "<Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>")
DELETE_CONFLICT = ("<ErrorResponse><Error><Type>Sender</Type><Code>DeleteConflict</Code>"
                   "<Message>Cannot delete a policy with non-default versions.</Message></Error>"
                   "<RequestId>fault-proxy</RequestId></ErrorResponse>")
INTERNAL = ("<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code>"
            "<Message>injected</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>")


def no_such_entity(what):
    return ("<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
            f"<Message>{what} cannot be found.</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>")


def access_denied(op):
    return ("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>injected denial of {op}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>")


class Fault:
    """How to answer one request. `forward` says whether moto sees it first."""
    name = "fault"
    forward = False

    def answer(self, conn, proxy, reply):
        raise NotImplementedError


class error(Fault):
    """A complete reply of `status` with `body` (moto never sees the request)."""

    def __init__(self, status, body="", content_type="text/xml"):
        self.status, self.body, self.content_type = status, body.encode(), content_type
        self.name = f"error {status}"

    def answer(self, conn, proxy, reply):
        send_reply(conn, self.status, [("Content-Type", self.content_type)], self.body)
        return True


class reset(Fault):
    """Forward, then reset the connection: before the reply (`at` 0), or after `at` of its
    bytes (a fraction of the whole reply, headers included)."""

    def __init__(self, at=0.0):
        self.at = at
        self.forward = at > 0
        self.name = "reset" if at == 0 else f"reset at {at:g}"

    def answer(self, conn, proxy, reply):
        if reply:
            raw = render(*reply)
            conn.sendall(raw[:int(len(raw) * self.at)])
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False


class truncate(Fault):
    """Forward, send the headers (with the true Content-Length) and `keep` of the body, then close."""
    forward = True

    def __init__(self, keep=0.5):
        self.keep = keep
        self.name = f"truncate {keep:g}"

    def answer(self, conn, proxy, reply):
        status, headers, body = reply
        conn.sendall(render(status, headers, body)[:-len(body) or None] + body[:int(len(body) * self.keep)])
        return False


class hang(Fault):
    """Read the request and never answer (until the client gives up)."""
    name = "hang"

    def answer(self, conn, proxy, reply):
        wait_for_close(conn, proxy, None)
        return False


class trickle(Fault):
    """A 200 that promises a megabyte and sends one byte every `every` seconds, for ever."""

    def __init__(self, every=0.05):
        self.every = every
        self.name = "trickle"

    def answer(self, conn, proxy, reply):
        conn.sendall(render(200, [("Content-Type", "text/xml")], b"")[:-2].replace(
            b"Content-Length: 0", b"Content-Length: 1048576") + b"\r\n")
        try:
            while not proxy.closing.is_set():
                conn.sendall(b"<")
                time.sleep(self.every)
        except OSError:
            pass
        return False


class huge(Fault):
    """A 200 whose body is `size` bytes (1 GiB by default), sent for as long as the client reads.
    The bytes sent go into proxy.huge_sent."""

    def __init__(self, size=1 << 30, chunked=False):
        self.size, self.chunked = size, chunked
        self.name = "huge chunked" if chunked else "huge"

    def answer(self, conn, proxy, reply):
        headers = [("Content-Type", "text/xml")]
        headers.append(("Transfer-Encoding", "chunked") if self.chunked else ("Content-Length", str(self.size)))
        conn.sendall(render(200, headers, b"", length=False))
        block = b"<a>" + b"x" * 65530 + b"</a>"
        sent = 0
        try:
            while sent < self.size and not proxy.closing.is_set():
                piece = block[:min(len(block), self.size - sent)]
                conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if self.chunked else piece)
                sent += len(piece)
                proxy.huge_sent = sent
            if self.chunked:
                conn.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        return False


class garbage(Fault):
    """A 200 (or `status`) with bytes that are not XML."""

    def __init__(self, status=200, data=None):
        self.status = status
        self.data = data if data is not None else bytes(range(256)) * 4 + b"\x00<<<&&&"
        self.name = f"garbage {status}"

    def answer(self, conn, proxy, reply):
        send_reply(conn, self.status, [("Content-Type", "text/xml")], self.data)
        return True


class edit(Fault):
    """Forward, and pass the reply body through `fn` (bytes -> bytes): valid XML with parts missing."""
    forward = True

    def __init__(self, fn, name="edit"):
        self.fn, self.name = fn, name

    def answer(self, conn, proxy, reply):
        status, headers, body = reply
        send_reply(conn, status, [h for h in headers if h[0].lower() != "content-length"], self.fn(body))
        return True


def drop_element(tag):
    """An `edit` that removes every <tag>...</tag> from the reply."""
    return edit(lambda b: re.sub(rb"<%s>.*?</%s>" % (tag.encode(), tag.encode()), b"", b, flags=re.S),
                f"drop {tag}")


class Rule:
    """`fault` for requests of `op` (None: any) whose body holds `match` (None: any), after
    skipping `skip` of them, `times` times (None: for ever)."""

    def __init__(self, op, fault, skip=0, times=1, match=None):
        self.op, self.fault, self.skip, self.times, self.match = op, fault, skip, times, match
        self.seen = self.applied = 0

    def pick(self, op, body=b""):
        if self.op is not None and self.op != op:
            return False
        if self.match is not None and self.match.encode() not in body:
            return False
        self.seen += 1
        if self.seen <= self.skip or (self.times is not None and self.applied >= self.times):
            return False
        self.applied += 1
        return True


REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           409: "Conflict", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout"}


def render(status, headers, body, length=True):
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    for k, v in headers:
        if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
            lines.append(f"{k}: {v}")
        elif not length and k.lower() in ("content-length", "transfer-encoding"):
            lines.append(f"{k}: {v}")
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def send_reply(conn, status, headers, body):
    conn.sendall(render(status, headers, body))


def wait_for_close(conn, proxy, limit):
    conn.settimeout(0.1)
    end = None if limit is None else time.monotonic() + limit
    while not proxy.closing.is_set() and (end is None or time.monotonic() < end):
        try:
            if not conn.recv(65536):
                return
        except socket.timeout:
            continue
        except OSError:
            return


def operation(method, target, body):
    """The AWS operation a request is for."""
    path, _, query = target.partition("?")
    if method == "POST" and path == "/" and body:
        action = urllib.parse.parse_qs(body.decode("latin-1")).get("Action")
        if action:
            return action[0]
    sub = query.split("&")[0].split("=")[0]
    if sub == "policy":
        return {"GET": "GetBucketPolicy", "PUT": "PutBucketPolicy", "DELETE": "DeleteBucketPolicy"}.get(method, method)
    if sub == "location":
        return "GetBucketLocation"
    return f"{method} {path}"


class FaultProxy:
    """`tls`: an ssl.SSLContext to serve HTTPS with (moto is still reached over plain http)."""

    def __init__(self, upstream_port, tls=None):
        self.upstream_port = upstream_port
        self.tls = tls
        self.rules = []
        self.log = []
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.huge_sent = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.handshake_failures = 0
        self.threads = []
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()

    def add(self, rule):
        with self.lock:
            self.rules.append(rule)
        return rule

    def reset(self):
        """Forget the rules and the log (between scenarios)."""
        with self.lock:
            self.rules = []
            self.log = []
            self.huge_sent = 0

    def ops(self):
        with self.lock:
            return [op for op, _ in self.log]

    def close(self):
        self.closing.set()
        self.sock.close()

    def _accept(self):
        while not self.closing.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _choose(self, op, body):
        with self.lock:
            fault = None
            for r in self.rules:
                if r.pick(op, body):
                    fault = r.fault
                    break
            self.log.append((op, fault.name if fault else None))
            return fault

    def _serve(self, conn):
        buf = b""
        if self.tls:
            try:
                conn.settimeout(10)
                conn = self.tls.wrap_socket(conn, server_side=True)
                conn.settimeout(None)
            except (OSError, ssl.SSLError):
                with self.lock:
                    self.handshake_failures += 1
                conn.close()
                return
        try:
            while not self.closing.is_set():
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, buf = buf.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:] if ":" in line]
                hmap = {k.lower(): v for k, v in headers}
                if hmap.get("expect", "").lower() == "100-continue":
                    conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                length = int(hmap.get("content-length", "0"))
                while len(buf) < length:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                body, buf = buf[:length], buf[length:]
                fault = self._choose(operation(method, target, body), body)
                reply = None
                if fault is None or fault.forward:
                    reply = self._forward(method, target, headers, body)
                if fault is None:
                    send_reply(conn, *reply)
                    continue
                if not fault.answer(conn, self, reply):
                    return
        except OSError:
            pass
        finally:
            conn.close()

    def _forward(self, method, target, headers, body):
        up = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            up.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for k, v in headers:
                if k.lower() not in ("expect", "connection", "content-length"):
                    up.putheader(k, v)
            up.putheader("Content-Length", str(len(body)))
            up.endheaders(body)
            r = up.getresponse()
            data = r.read()
            return r.status, [(k, v) for k, v in r.getheaders()], data
        finally:
            up.close()


def upstream_port_of(url):
    return urllib.parse.urlsplit(url).port


if __name__ == "__main__":
    # A manual run: forward to the moto_server of PIAM_TEST_ENDPOINT until interrupted.
    p = FaultProxy(upstream_port_of(os.environ["PIAM_TEST_ENDPOINT"]))
    print(p.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        p.close()
