"""The Python client against a worker whose HTTP port speaks TLS and checks tokens.

Not collected by ``unittest discover`` (the name does not start with ``test``): the Java test
io.needle.testing.http.PythonClientTest runs it with ``-p tls_checks.py`` against a worker
started with TLS and an auth policy, with NEEDLE_URL (https), NEEDLE_CASES, NEEDLE_CA,
NEEDLE_OTHER_CA (a CA that did not sign the worker), NEEDLE_TOKEN (granted the cases' tables)
and NEEDLE_DENIED_TABLE (a table the token is not granted) set.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import needle  # noqa: E402
from needle import Needle  # noqa: E402
from tests import cases  # noqa: E402

ENV = {name: os.environ.get(name) for name in
       ("NEEDLE_URL", "NEEDLE_CASES", "NEEDLE_CA", "NEEDLE_OTHER_CA", "NEEDLE_TOKEN", "NEEDLE_DENIED_TABLE")}


@unittest.skipUnless(all(ENV.values()), "set %s (PythonClientTest does)" % ", ".join(ENV))
class TlsTokenTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cases = cases.load(ENV["NEEDLE_CASES"])
        cls.case = cls.cases["lookups"][0]

    def client(self, **kwargs):
        options = {"ca_file": ENV["NEEDLE_CA"], "token": ENV["NEEDLE_TOKEN"], "timeout": 20}
        options.update(kwargs)
        return Needle(ENV["NEEDLE_URL"], **options)

    def test_with_the_ca_and_a_granted_token_lookups_return_the_oracles_rows(self):
        with self.client() as n:
            self.assertGreater(cases.check_lookups(self, n, self.cases), 5)

    def test_without_a_token_the_call_is_unauthenticated(self):
        with self.client(token=None) as n:
            with self.assertRaises(needle.Unauthenticated) as caught:
                n.lookup(self.case["table"], self.case["key_column"], self.case["keys"][:1])
        self.assertEqual(caught.exception.status, 401)

    def test_a_wrong_token_is_unauthenticated_and_not_echoed(self):
        wrong = ENV["NEEDLE_TOKEN"] + "x"
        with self.client(token=wrong) as n:
            with self.assertRaises(needle.Unauthenticated) as caught:
                n.lookup(self.case["table"], self.case["key_column"], self.case["keys"][:1])
        self.assertNotIn(wrong, caught.exception.message)
        self.assertNotIn(ENV["NEEDLE_TOKEN"], caught.exception.message)

    def test_a_table_outside_the_grant_is_denied_without_naming_it(self):
        denied = ENV["NEEDLE_DENIED_TABLE"]
        with self.client() as n:
            with self.assertRaises(needle.PermissionDenied) as caught:
                n.lookup(denied, "doc_id", [1])
        self.assertEqual(caught.exception.status, 403)
        self.assertNotIn(denied.rstrip("/").rsplit("/", 1)[-1], caught.exception.message)

    def test_a_worker_the_ca_did_not_sign_is_unavailable(self):
        with self.client(ca_file=ENV["NEEDLE_OTHER_CA"]) as n:
            with self.assertRaises(needle.Unavailable):
                n.lookup(self.case["table"], self.case["key_column"], self.case["keys"][:1])

    def test_plaintext_http_to_the_tls_port_is_unavailable(self):
        with Needle(ENV["NEEDLE_URL"].replace("https://", "http://"), token=ENV["NEEDLE_TOKEN"], timeout=10) as n:
            with self.assertRaises(needle.Unavailable):
                n.lookup(self.case["table"], self.case["key_column"], self.case["keys"][:1])

    def test_ca_file_with_a_plain_url_is_refused(self):
        with self.assertRaises(ValueError):
            Needle(ENV["NEEDLE_URL"].replace("https://", "http://"), ca_file=ENV["NEEDLE_CA"])


if __name__ == "__main__":
    unittest.main()
