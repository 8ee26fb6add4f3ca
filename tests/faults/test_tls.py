#!/usr/bin/env python3
"""HTTPS: piam verifies certificates by default. Run under with_moto.py:

    with_moto.py python3 test_tls.py PATH/TO/piam PATH/TO/libpiam.so

A loopback TLS server (the fault proxy serving HTTPS in front of moto_server) with a
certificate this test makes with the openssl command:
- self-signed, not given to piam → refused with PIAM_ETLS (the command and the C API);
- its CA given explicitly (AWS_CA_BUNDLE for the command, piam_client_set_ca_file through the
  C API) → setup goes through;
- its CA given, but the certificate names another host → still refused.
Prints "N passed, N failed".
"""
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fault_proxy import FaultProxy, upstream_port_of  # noqa: E402
import ssl  # noqa: E402

import boto3  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pycheck import check, finish  # noqa: E402

PIAM, LIB = sys.argv[1], sys.argv[2]
ENDPOINT = os.environ["PIAM_TEST_ENDPOINT"]
REGION = os.environ["PIAM_TEST_REGION"]
ADMIN = (os.environ["PIAM_TEST_ACCESS_KEY_ID"], os.environ["PIAM_TEST_SECRET_ACCESS_KEY"])
PIAM_ETLS, PIAM_OK = -16, 0


def make_cert(d, name, san):
    key, cert = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=piam-test-" + name, "-addext", "subjectAltName=" + san,
                    "-addext", "basicConstraints=critical,CA:TRUE"],
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return cert, ctx


def piam(proxy, role, bucket, ca=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=ADMIN[0], AWS_SECRET_ACCESS_KEY=ADMIN[1], HOME=HOME, AWS_MAX_ATTEMPTS="1",
               AWS_EC2_METADATA_DISABLED="true")
    if ca:
        env["AWS_CA_BUNDLE"] = ca
    p = subprocess.run([PIAM, "setup", "--role", role, "--bucket", bucket, "--endpoint-url", proxy.url,
                        "--region", REGION, "--timeout", "10"], env=env, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stderr.strip()


def c_api(proxy, ca=None):
    """GetCallerIdentity through the C API; returns (code, message)."""
    lib = ctypes.CDLL(LIB)
    lib.piam_client_error_message.restype = ctypes.c_char_p
    c = ctypes.c_void_p()
    out = ctypes.c_void_p()
    assert lib.piam_client_new(ctypes.byref(c), None) == 0
    try:
        for rc in (lib.piam_client_set_region(c, REGION.encode()),
                   lib.piam_client_set_endpoint(c, None, proxy.url.encode()),
                   lib.piam_client_set_credentials(c, ADMIN[0].encode(), ADMIN[1].encode(), None),
                   lib.piam_client_set_ca_file(c, ca.encode()) if ca else 0):
            assert rc == 0
        rc = lib.piam_sts_get_caller_identity(ctypes.byref(out), c)
        lib.piam_aws_result_free(out)
        return rc, lib.piam_client_error_message(c).decode()
    finally:
        lib.piam_client_free(c)


HOME = tempfile.mkdtemp(prefix="piam-tls-home-")
d = tempfile.mkdtemp(prefix="piam-tls-")
try:
    s3 = boto3.session.Session(aws_access_key_id=ADMIN[0], aws_secret_access_key=ADMIN[1],
                               region_name=REGION).client("s3", endpoint_url=ENDPOINT)
    s3.create_bucket(Bucket="tls-bucket")
    good_ca, good = make_cert(d, "loopback", "IP:127.0.0.1")
    other_ca, other = make_cert(d, "elsewhere", "DNS:elsewhere.invalid")
    up = upstream_port_of(ENDPOINT)

    proxy = FaultProxy(up, tls=good)
    rc, err = piam(proxy, "TlsRole", "tls-bucket")
    check(rc == 1 and "PIAM_ETLS" in err, f"a self-signed server is refused: {rc} {err}")
    check(proxy.log == [], f"nothing was sent to it: {proxy.log}")
    rc, msg = c_api(proxy)
    check(rc == PIAM_ETLS, f"C API: refused with PIAM_ETLS: {rc} {msg}")
    rc, err = piam(proxy, "TlsRole", "tls-bucket", ca=good_ca)
    check(rc == 0, f"with its CA (AWS_CA_BUNDLE) setup goes through: {rc} {err}")
    check("CreateRole" in [op for op, _ in proxy.log], f"over TLS: {proxy.log}")
    rc, msg = c_api(proxy, ca=good_ca)
    check(rc == PIAM_OK, f"C API with piam_client_set_ca_file: {rc} {msg}")
    rc, msg = c_api(proxy, ca=other_ca)
    check(rc == PIAM_ETLS, f"C API with another CA: refused: {rc} {msg}")
    proxy.close()

    proxy = FaultProxy(up, tls=other)
    rc, err = piam(proxy, "TlsRole", "tls-bucket", ca=other_ca)
    check(rc == 1 and "PIAM_ETLS" in err, f"its CA, but a certificate for another host: refused: {rc} {err}")
    rc, msg = c_api(proxy, ca=other_ca)
    check(rc == PIAM_ETLS, f"C API: a certificate for another host is refused: {rc} {msg}")
    check(proxy.log == [], f"nothing was sent to it: {proxy.log}")
    proxy.close()
    print(f"TLS: self-signed refused (PIAM_ETLS), its CA accepted, wrong host refused even with its CA")
finally:
    shutil.rmtree(d, ignore_errors=True)
finish()
