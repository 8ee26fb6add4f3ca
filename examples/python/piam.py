"""piam for Python: a ctypes binding of libpiam.so.1 (standard library only).

    import piam

    with piam.Client() as client:
        client.use_environment()                   # credentials and region as the AWS CLI finds them
        opts = client.options(role="PersonalizeRole", input_buckets=["my-training-data"])
        plan = client.setup(opts)                  # piam_setup_apply()
        for step in plan.steps:
            print(step.name, step.status, step.resource)
        print(plan.role_arn)

Every failing call raises PiamError, which carries the PIAM status name, the client's message,
the AWS error code, the HTTP status and the request id. Strings piam lends (borrowed until the
next call on the handle) are copied at once; strings it hands over through `char **out` are
copied and released with piam_free(); handles are freed by their _free functions when the
Python object is closed (a context manager) or collected.

The library is loaded from the path in the environment variable PIAM_LIBRARY, else as
"libpiam.so.1" from the system's library path.
"""
import ctypes
import os
import weakref
from collections import namedtuple

__all__ = ["Client", "Options", "Plan", "Step", "PiamError", "version", "library",
           "SIGN_S3", "SIGN_UNSIGNED_PAYLOAD", "SIGN_NO_NORMALIZE", "SIGN_BODY",
           "SIGN_OMIT_SESSION_TOKEN", "SIGN_PRESIGN", "LOG_ERROR", "LOG_WARN", "LOG_INFO",
           "LOG_DEBUG", "LOG_TRACE"]

SIGN_S3, SIGN_UNSIGNED_PAYLOAD, SIGN_NO_NORMALIZE = 0x01, 0x02, 0x04
SIGN_BODY, SIGN_OMIT_SESSION_TOKEN, SIGN_PRESIGN = 0x08, 0x10, 0x20
LOG_NONE, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE = range(6)

_c_char_pp = ctypes.POINTER(ctypes.c_char_p)
_LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
_PROGRESS_FN = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p)
_CREDENTIALS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)

# name: (restype, argtypes). Opaque handles are plain void pointers: piam has no struct layout a
# binding must copy (the allocator struct of piam_client_new is optional and passed as NULL).
_P = ctypes.c_void_p
_S = ctypes.c_char_p
_I = ctypes.c_int
_PROTOTYPES = {
    "piam_version": (_S, []),
    "piam_strerror": (_S, [_I]),
    "piam_status_name": (_S, [_I]),
    "piam_free": (None, [_P]),
    "piam_client_new": (_I, [ctypes.POINTER(_P), _P]),
    "piam_client_free": (None, [_P]),
    "piam_client_set_region": (_I, [_P, _S]),
    "piam_client_region": (_S, [_P]),
    "piam_client_set_endpoint": (_I, [_P, _S, _S]),
    "piam_client_set_credentials": (_I, [_P, _S, _S, _S]),
    "piam_client_use_environment": (_I, [_P, _I]),
    "piam_client_set_timeouts": (_I, [_P, ctypes.c_long, ctypes.c_long]),
    "piam_client_set_log": (_I, [_P, _LOG_FN, _I, _P]),
    "piam_client_set_profile": (_I, [_P, _S]),
    "piam_client_set_credentials_provider": (_I, [_P, _CREDENTIALS_FN, _P]),
    "piam_credentials_set": (_I, [_P, _S, _S, _S, ctypes.c_longlong]),
    "piam_client_set_max_attempts": (_I, [_P, _I]),
    "piam_client_credentials_source": (_I, [ctypes.POINTER(_P), _P]),
    "piam_client_error": (_I, [_P]),
    "piam_client_error_message": (_S, [_P]),
    "piam_client_error_aws_code": (_S, [_P]),
    "piam_client_error_http_status": (ctypes.c_long, [_P]),
    "piam_client_error_request_id": (_S, [_P]),
    "piam_options_new": (_I, [ctypes.POINTER(_P), _P]),
    "piam_options_free": (None, [_P]),
    "piam_options_set_role_name": (_I, [_P, _S]),
    "piam_options_set_policy_name": (_I, [_P, _S]),
    "piam_options_set_path": (_I, [_P, _S]),
    "piam_options_set_description": (_I, [_P, _S]),
    "piam_options_set_account": (_I, [_P, _S]),
    "piam_options_set_region": (_I, [_P, _S]),
    "piam_options_add_input_bucket": (_I, [_P, _S]),
    "piam_options_add_output_bucket": (_I, [_P, _S]),
    "piam_options_set_kms_key": (_I, [_P, _S]),
    "piam_options_set_guard": (_I, [_P, _I]),
    "piam_options_set_cloudwatch": (_I, [_P, _I]),
    "piam_options_set_bucket_policy": (_I, [_P, _I]),
    "piam_options_set_adopt_existing": (_I, [_P, _I]),
    "piam_options_set_wait": (_I, [_P, _I]),
    "piam_options_add_tag": (_I, [_P, _S, _S]),
    "piam_options_set_progress": (_I, [_P, _PROGRESS_FN, _P]),
    "piam_policy_trust": (_I, [ctypes.POINTER(_P), _P]),
    "piam_policy_s3_access": (_I, [ctypes.POINTER(_P), _P]),
    "piam_policy_bucket": (_I, [ctypes.POINTER(_P), _P, _S]),
    "piam_policy_caller": (_I, [ctypes.POINTER(_P), _P]),
    "piam_policy_user": (_I, [ctypes.POINTER(_P), _P]),
    "piam_policy_equal": (_I, [ctypes.POINTER(_I), _P, _S, _S]),
    "piam_setup_plan": (_I, [ctypes.POINTER(_P), _P, _P]),
    "piam_setup_apply": (_I, [ctypes.POINTER(_P), _P, _P]),
    "piam_setup_teardown": (_I, [ctypes.POINTER(_P), _P, _P]),
    "piam_plan_count": (ctypes.c_size_t, [_P]),
    "piam_plan_step_name": (_S, [_P, ctypes.c_size_t]),
    "piam_plan_step_resource": (_S, [_P, ctypes.c_size_t]),
    "piam_plan_step_status": (_S, [_P, ctypes.c_size_t]),
    "piam_plan_role_arn": (_S, [_P]),
    "piam_plan_failed_step": (_I, [_P]),
    "piam_plan_free": (None, [_P]),
    "piam_sts_get_caller_identity": (_I, [ctypes.POINTER(_P), _P]),
    "piam_aws_result_count": (ctypes.c_size_t, [_P]),
    "piam_aws_result_field_count": (ctypes.c_size_t, [_P, ctypes.c_size_t]),
    "piam_aws_result_field_name": (_S, [_P, ctypes.c_size_t, ctypes.c_size_t]),
    "piam_aws_result_field": (_S, [_P, ctypes.c_size_t, _S]),
    "piam_aws_result_free": (None, [_P]),
    "piam_sign_request": (_I, [ctypes.POINTER(ctypes.c_size_t), _P, _S, _S, ctypes.c_longlong, ctypes.c_uint,
                               ctypes.c_longlong, _S, _S, _S, _c_char_pp, _c_char_pp, ctypes.c_size_t,
                               ctypes.c_char_p, ctypes.c_size_t, _S]),
    "piam_sign_result": (_I, [_c_char_pp, _c_char_pp, _P, ctypes.c_size_t]),
}


def _load():
    lib = ctypes.CDLL(os.environ.get("PIAM_LIBRARY") or "libpiam.so.1")
    for name, (restype, argtypes) in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


library = _load()


def _b(s):
    """str (or None) -> bytes for a const char * argument; piam copies it."""
    return None if s is None else s.encode()


def _s(b):
    """A borrowed const char * (already copied into bytes by ctypes) -> str."""
    return None if b is None else b.decode()


def version():
    """The library's version, "MAJOR.MINOR.PATCH"."""
    return _s(library.piam_version())


class PiamError(Exception):
    """A piam call failed. status: the negative PIAM_E* code; name: "PIAM_ENOTFOUND", ...;
    message: the client's one-line description; aws_code, http_status, request_id: from AWS's
    reply ("" / 0 when there was none). plan: for setup and teardown that failed part-way, the
    plan with the failed step (else None)."""

    def __init__(self, status, message="", aws_code="", http_status=0, request_id="", plan=None):
        self.status = status
        self.name = _s(library.piam_status_name(status))
        self.message = message or _s(library.piam_strerror(status))
        self.aws_code = aws_code
        self.http_status = http_status
        self.request_id = request_id
        self.plan = plan
        super().__init__(f"{self.aws_code or self.name}: {self.message}")


Step = namedtuple("Step", "name resource status")


class Plan:
    """The steps of a plan, setup or teardown (copied out of the piam_plan, which is freed)."""

    def __init__(self, steps, role_arn, failed_step):
        self.steps = steps
        self.role_arn = role_arn
        self.failed_step = failed_step

    def statuses(self):
        return [s.status for s in self.steps]

    def __repr__(self):
        return f"Plan(role_arn={self.role_arn!r}, steps={self.steps!r}, failed_step={self.failed_step!r})"


def _take_plan(ptr):
    """Copy a piam_plan into a Plan and free it."""
    if not ptr:
        return None
    try:
        steps = [Step(_s(library.piam_plan_step_name(ptr, i)), _s(library.piam_plan_step_resource(ptr, i)),
                      _s(library.piam_plan_step_status(ptr, i))) for i in range(library.piam_plan_count(ptr))]
        failed = library.piam_plan_failed_step(ptr)
        return Plan(steps, _s(library.piam_plan_role_arn(ptr)), None if failed < 0 else failed)
    finally:
        library.piam_plan_free(ptr)


def _take_string(ptr):
    """Copy a `char **out` result and release it with piam_free()."""
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode()
    finally:
        library.piam_free(ptr)


class Client:
    """A piam_client: configuration, credentials, connection, last error. Use it from one thread
    at a time; two clients share nothing."""

    def __init__(self, region=None, endpoint=None, credentials=None, profile=None, use_environment=False):
        handle = ctypes.c_void_p()
        rc = library.piam_client_new(ctypes.byref(handle), None)
        if rc:
            raise PiamError(rc)
        self._handle = handle
        self._callbacks = {}
        self._options = weakref.WeakSet()
        self._finalizer = weakref.finalize(self, library.piam_client_free, handle)
        if region is not None:
            self.region = region
        if endpoint is not None:
            self.set_endpoint(endpoint)
        if credentials is not None:
            self.set_credentials(*credentials)
        if profile is not None:
            self.set_profile(profile)
        if use_environment:
            self.use_environment()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Free the client (options made from it first: they must not outlive it)."""
        for opts in list(self._options):
            opts.close()
        self._finalizer()
        self._callbacks.clear()

    @property
    def _ptr(self):
        if not self._finalizer.alive:
            raise ValueError("the client is closed")
        return self._handle

    def error(self, rc):
        """The PiamError for a failed call, from the client's last error."""
        h = self._ptr
        return PiamError(rc, _s(library.piam_client_error_message(h)), _s(library.piam_client_error_aws_code(h)),
                         library.piam_client_error_http_status(h), _s(library.piam_client_error_request_id(h)))

    def _check(self, rc):
        if rc:
            raise self.error(rc)

    @property
    def region(self):
        return _s(library.piam_client_region(self._ptr))

    @region.setter
    def region(self, region):
        self._check(library.piam_client_set_region(self._ptr, _b(region)))

    def set_endpoint(self, url, service=None):
        """Send requests for `service` ("iam", "sts", "s3"; None: all) to `url`."""
        self._check(library.piam_client_set_endpoint(self._ptr, _b(service), _b(url)))

    def set_credentials(self, access_key_id, secret_access_key, session_token=None):
        self._check(library.piam_client_set_credentials(self._ptr, _b(access_key_id), _b(secret_access_key),
                                                        _b(session_token)))

    def use_environment(self, enable=True):
        """Find what was not set as the AWS CLI does: environment, ~/.aws, containers, EC2."""
        self._check(library.piam_client_use_environment(self._ptr, 1 if enable else 0))

    def set_profile(self, profile):
        self._check(library.piam_client_set_profile(self._ptr, _b(profile)))

    def set_timeouts(self, connect_ms=0, total_ms=0):
        self._check(library.piam_client_set_timeouts(self._ptr, connect_ms, total_ms))

    def set_max_attempts(self, attempts):
        self._check(library.piam_client_set_max_attempts(self._ptr, attempts))

    def set_log(self, fn, level=LOG_INFO):
        """Call fn(level, message) for each log line at `level` or more severe; None turns it off.
        The C callback object is kept on the client as long as piam may call it."""
        if fn is None:
            self._check(library.piam_client_set_log(self._ptr, _LOG_FN(), LOG_NONE, None))
            self._callbacks.pop("log", None)
            return
        cb = _LOG_FN(lambda lvl, msg, _userdata: fn(lvl, msg.decode(errors="replace")))
        self._check(library.piam_client_set_log(self._ptr, cb, level, None))
        self._callbacks["log"] = cb

    def set_credentials_provider(self, fn):
        """Ask fn() for credentials when a request needs them (and again before they expire):
        it returns None (piam goes on down its chain) or (access_key_id, secret_access_key,
        session_token or None, expiration in epoch seconds or 0). An exception in fn fails the
        request with PIAM_ECREDENTIALS. None removes the provider."""
        if fn is None:
            self._check(library.piam_client_set_credentials_provider(self._ptr, _CREDENTIALS_FN(), None))
            self._callbacks.pop("credentials", None)
            return

        def provider(out, _userdata):
            try:
                creds = fn()
                if creds is None:
                    return 0
                key, secret, token, expiration = (tuple(creds) + (None, 0))[:4]
                return library.piam_credentials_set(out, _b(key), _b(secret), _b(token), expiration or 0)
            except Exception:  # noqa: BLE001 - nothing may unwind through C
                return -5  # PIAM_ECREDENTIALS

        cb = _CREDENTIALS_FN(provider)
        self._check(library.piam_client_set_credentials_provider(self._ptr, cb, None))
        self._callbacks["credentials"] = cb

    def credentials_source(self):
        """Where the next request's credentials come from (never the secret)."""
        out = ctypes.c_void_p()
        self._check(library.piam_client_credentials_source(ctypes.byref(out), self._ptr))
        return _take_string(out.value)

    def caller_identity(self):
        """STS GetCallerIdentity as a dict: Account, Arn, UserId."""
        res = ctypes.c_void_p()
        self._check(library.piam_sts_get_caller_identity(ctypes.byref(res), self._ptr))
        try:
            fields = {}
            for i in range(library.piam_aws_result_field_count(res, 0)):
                name = library.piam_aws_result_field_name(res, 0, i)
                fields[name.decode()] = _s(library.piam_aws_result_field(res, 0, name))
            return fields
        finally:
            library.piam_aws_result_free(res)

    def options(self, **settings):
        """New Options of this client (see Options for the settings)."""
        return Options(self, **settings)

    def policy_equal(self, a, b):
        """Whether two policy documents mean the same."""
        out = ctypes.c_int()
        self._check(library.piam_policy_equal(ctypes.byref(out), self._ptr, _b(a), _b(b)))
        return bool(out.value)

    def _run(self, fn, options):
        out = ctypes.c_void_p()
        rc = fn(ctypes.byref(out), self._ptr, options._ptr)
        plan = _take_plan(out.value)
        if rc:
            err = self.error(rc)
            err.plan = plan
            raise err
        return plan

    def plan(self, options):
        """What setup would do (reads only): a Plan with "create" / "update" / "unchanged"."""
        return self._run(library.piam_setup_plan, options)

    def setup(self, options):
        """Create or repair the role, policies and bucket policies: a Plan with the final statuses."""
        return self._run(library.piam_setup_apply, options)

    def teardown(self, options):
        """Remove what setup created: a Plan with "deleted" / "unchanged"."""
        return self._run(library.piam_setup_teardown, options)

    def sign(self, service, region, time, method, path, headers, query=None, body=b"", flags=0, expires=0,
             payload_hash=None):
        """SigV4-sign a request; returns the [(name, value)] headers to add (or, with SIGN_PRESIGN, the
        query parameters to append). `headers`: [(name, value)] or a dict; Host must be there."""
        items = list(headers.items()) if isinstance(headers, dict) else list(headers)
        names = (ctypes.c_char_p * len(items))(*[_b(n) for n, _ in items])
        values = (ctypes.c_char_p * len(items))(*[_b(v) for _, v in items])
        body = b"" if body is None else body.encode() if isinstance(body, str) else bytes(body)
        count = ctypes.c_size_t()
        self._check(library.piam_sign_request(ctypes.byref(count), self._ptr, _b(service), _b(region), time, flags,
                                              expires, _b(method), _b(path), _b(query), names, values, len(items),
                                              body or None, len(body), _b(payload_hash)))
        result = []
        for i in range(count.value):
            name, value = ctypes.c_char_p(), ctypes.c_char_p()
            self._check(library.piam_sign_result(ctypes.byref(name), ctypes.byref(value), self._ptr, i))
            result.append((name.value.decode(), value.value.decode()))
        return result


class Options:
    """A piam_options: what to set up. Settings (all optional): role, policy_name, path,
    description, account, region, input_buckets, output_buckets, kms_key, guard, cloudwatch,
    bucket_policy, adopt_existing, wait, tags (a dict), progress (fn(step, resource, status))."""

    _SETTERS = {
        "role": library.piam_options_set_role_name,
        "policy_name": library.piam_options_set_policy_name,
        "path": library.piam_options_set_path,
        "description": library.piam_options_set_description,
        "account": library.piam_options_set_account,
        "region": library.piam_options_set_region,
        "kms_key": library.piam_options_set_kms_key,
    }
    _FLAGS = {
        "guard": library.piam_options_set_guard,
        "cloudwatch": library.piam_options_set_cloudwatch,
        "bucket_policy": library.piam_options_set_bucket_policy,
        "adopt_existing": library.piam_options_set_adopt_existing,
    }

    def __init__(self, client, **settings):
        handle = ctypes.c_void_p()
        client._check(library.piam_options_new(ctypes.byref(handle), client._ptr))
        self._client = client
        self._handle = handle
        self._progress = None
        self._finalizer = weakref.finalize(self, library.piam_options_free, handle)
        client._options.add(self)
        for key, value in settings.items():
            self.set(key, value)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._finalizer()

    @property
    def _ptr(self):
        if not self._finalizer.alive:
            raise ValueError("the options are closed")
        return self._handle

    def set(self, key, value):
        check = self._client._check
        if key in self._SETTERS:
            check(self._SETTERS[key](self._ptr, _b(value)))
        elif key in self._FLAGS:
            check(self._FLAGS[key](self._ptr, 1 if value else 0))
        elif key == "wait":
            check(library.piam_options_set_wait(self._ptr, int(value)))
        elif key in ("input_buckets", "output_buckets"):
            add = library.piam_options_add_input_bucket if key == "input_buckets" else library.piam_options_add_output_bucket
            for bucket in value:
                check(add(self._ptr, _b(bucket)))
        elif key == "tags":
            for k, v in value.items():
                check(library.piam_options_add_tag(self._ptr, _b(k), _b(v)))
        elif key == "progress":
            cb = _PROGRESS_FN() if value is None else _PROGRESS_FN(
                lambda step, res, status, _u: value(_s(step), _s(res), _s(status)))
            check(library.piam_options_set_progress(self._ptr, cb, None))
            self._progress = cb
        else:
            raise TypeError(f"unknown option {key!r}")
        return self

    def _render(self, fn, *args):
        out = ctypes.c_void_p()
        self._client._check(fn(ctypes.byref(out), self._ptr, *args))
        return _take_string(out.value)

    def render(self, document, bucket=None):
        """A policy document as JSON text: "trust", "s3-access", "bucket-policy" (needs bucket),
        "caller" or "user"."""
        if document == "trust":
            return self._render(library.piam_policy_trust)
        if document == "s3-access":
            return self._render(library.piam_policy_s3_access)
        if document == "bucket-policy":
            return self._render(library.piam_policy_bucket, _b(bucket))
        if document in ("caller", "caller-policy"):
            return self._render(library.piam_policy_caller)
        if document in ("user", "user-policy"):
            return self._render(library.piam_policy_user)
        raise ValueError(f"unknown document {document!r}")
