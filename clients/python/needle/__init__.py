"""A small Python client for Needle's HTTP/JSON port (``needle serve --http-port``).

Standard library only::

    from needle import Needle
    needle = Needle("http://127.0.0.1:8081")
    rows = needle.lookup("file:///data/users", "user_id", [42, 7], ["country", "score"])
    rows[42]  # -> [{"country": "FR", "score": 0.5}]

Values come in the JSON forms of Needle's docs/values.md: numbers, strings, booleans, lists,
nested dicts for structs; bytes as base64 strings; dates, times, timestamps, UUIDs and decimals
as strings; NaN and infinities as the strings "NaN", "Infinity", "-Infinity".

Errors raise a subclass of :class:`NeedleError` named after the Java API's error code
(:class:`NotFound`, :class:`InvalidArgument`, ...); a worker that cannot be reached raises
:class:`Unavailable`. A ``Needle`` keeps one HTTP connection open; use one per thread.

A worker with TLS and an auth policy (``serve --tls-cert ... --auth-policy ...``)::

    needle = Needle("https://needle:8081", ca_file="/etc/needle/ca.crt", token=os.environ["NEEDLE_TOKEN"])

``ca_file`` is the CA that signed the worker's certificate (the system's CAs when None);
``cert_file``/``key_file`` present a client certificate (mTLS); ``token`` goes as
``Authorization: Bearer``. Missing or wrong credentials raise :class:`Unauthenticated`, a table
outside the caller's grants :class:`PermissionDenied`; a worker whose certificate the CA did not
sign raises :class:`Unavailable`.
"""

import http.client
import json
import socket
import ssl
import urllib.parse

__all__ = [
    "Needle", "NeedleError", "NotFound", "InvalidArgument", "Unauthenticated", "PermissionDenied", "Unsupported",
    "Unavailable", "DeadlineExceeded", "ResourceExhausted", "DataLoss", "Internal",
]


class NeedleError(Exception):
    """A call Needle could not answer: ``code`` is the Java API's error code, ``status`` the HTTP status.

    Each subclass's ``code`` is its name in upper snake case (``NotFound`` is ``NOT_FOUND``), so the
    classes below name the codes once.
    """

    code = "INTERNAL"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.code = "".join("_" + c if c.isupper() and i else c for i, c in enumerate(cls.__name__)).upper()

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        self.status = status


class NotFound(NeedleError):
    """No such table, file or column (HTTP 404)."""


class InvalidArgument(NeedleError):
    """A request Needle cannot take: a key of the wrong type, a malformed body (HTTP 400)."""


class Unauthenticated(NeedleError):
    """Credentials missing or wrong (HTTP 401)."""


class PermissionDenied(NeedleError):
    """A table outside the roots or the caller's grants (HTTP 403)."""


class Unsupported(NeedleError):
    """A Parquet feature or type Needle does not serve."""


class Unavailable(NeedleError):
    """The worker or its source cannot be reached; retryable."""


class DeadlineExceeded(NeedleError):
    """No answer within the deadline or the client's timeout."""


class ResourceExhausted(NeedleError):
    """A limit was hit (keys, bytes, in-flight requests); retry later or ask less."""


class DataLoss(NeedleError):
    """The file's bytes are not what its metadata says."""


class Internal(NeedleError):
    """A bug or an unexpected failure on the worker."""


_ERRORS = {cls.code: cls for cls in NeedleError.__subclasses__()}


class Needle:
    """A Needle worker's HTTP port, e.g. ``Needle("http://needle:8081")``."""

    def __init__(self, url, timeout=30.0, ca_file=None, token=None, cert_file=None, key_file=None):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("expected http://host:port, got %r" % (url,))
        self._https = parsed.scheme == "https"
        if (ca_file or cert_file) and not self._https:
            raise ValueError("ca_file and cert_file talk TLS: give an https:// URL, got %r" % (url,))
        if (cert_file is None) != (key_file is None):
            raise ValueError("cert_file and key_file go together")
        self._ssl = None
        if self._https:
            self._ssl = ssl.create_default_context(cafile=ca_file)
            self._ssl.minimum_version = ssl.TLSVersion.TLSv1_2
            if cert_file:
                self._ssl.load_cert_chain(cert_file, key_file)
        self._token = token
        self._host = parsed.hostname
        self._port = parsed.port or (443 if self._https else 80)
        self._prefix = parsed.path.rstrip("/")
        self._timeout = timeout
        self._conn = None

    def lookup(self, table, key_column, keys, columns=None):
        """The rows of every key: a dict of key -> list of row dicts, in the keys' order.

        ``table`` is the table's URI as the worker knows it (``file:///data/users``,
        ``s3://bucket/prefix``); keys are ints or strings (strings are parsed by the key column's
        type: dates, timestamps, UUIDs, decimals, base64 for binary). A key without rows maps to
        ``[]``; a key given twice appears once. ``columns`` empty or None means every column.
        """
        keys = list(keys)
        body = {"table": table, "key_column": key_column, "keys": keys}
        if columns:
            body["columns"] = list(columns)
        answer = self._post("/v1/lookup", body)
        out = {}
        for result in answer["results"]:
            out.setdefault(_hashable(result["key"]), result["rows"])
        return out

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _connection(self):
        if self._conn is None:
            if self._https:
                self._conn = http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout,
                                                         context=self._ssl)
            else:
                self._conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        return self._conn

    def _post(self, path, body):
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self._token is not None:
            headers["Authorization"] = "Bearer " + self._token
        for attempt in (0, 1):
            conn = self._connection()
            try:
                conn.request("POST", self._prefix + path, body=data, headers=headers)
                response = conn.getresponse()
                text = response.read().decode("utf-8")
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                break
            except socket.timeout as e:
                self.close()
                raise DeadlineExceeded("no answer from %s:%d within %ss" % (self._host, self._port, self._timeout)) from e
            except (ConnectionError, http.client.HTTPException, OSError) as e:
                self.close()
                # A kept-alive connection the worker closed meanwhile: once more on a fresh one.
                if attempt == 0 and isinstance(e, (http.client.RemoteDisconnected, ConnectionResetError,
                                                   BrokenPipeError)):
                    continue
                raise Unavailable("cannot reach Needle at %s:%d: %s" % (self._host, self._port, e)) from e
        if response.status == 200:
            return json.loads(text)
        raise _error(response.status, text)


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def _error(status, text):
    try:
        error = json.loads(text)["error"]
        cls = _ERRORS.get(error.get("code"), Internal)
        return cls(error.get("message", text), status)
    except (ValueError, KeyError, TypeError, AttributeError):
        return (Unavailable if status in (502, 503) else Internal)("HTTP %d: %s" % (status, text[:500]), status)
