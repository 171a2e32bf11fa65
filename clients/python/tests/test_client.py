"""Tests of the Python client against a real worker.

The Java test io.needle.testing.http.PythonClientTest starts the worker, writes the tables and
the oracle's answers (parquet-java's reading of the files), and runs these tests with
NEEDLE_URL and NEEDLE_CASES set. Run by hand: start `needle serve --http-port`, write such a
cases file, and set both variables.
"""

import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))

import needle  # noqa: E402
from needle import Needle  # noqa: E402
from tests import cases  # noqa: E402

URL = os.environ.get("NEEDLE_URL")
CASES = os.environ.get("NEEDLE_CASES")


@unittest.skipUnless(URL and CASES, "set NEEDLE_URL and NEEDLE_CASES (PythonClientTest does)")
class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cases = cases.load(CASES)
        cls.needle = Needle(URL)

    @classmethod
    def tearDownClass(cls):
        cls.needle.close()

    def test_lookups_return_the_oracles_rows_for_every_key(self):
        self.assertGreater(cases.check_lookups(self, self.needle, self.cases), 20)

    def test_unknown_table_raises_not_found(self):
        case = self.cases["lookups"][0]
        with self.assertRaises(needle.NotFound) as caught:
            self.needle.lookup(case["table"] + "-missing", case["key_column"], case["keys"][:1])
        self.assertEqual(caught.exception.status, 404)
        self.assertEqual(caught.exception.code, "NOT_FOUND")

    def test_unknown_column_raises_not_found(self):
        case = self.cases["lookups"][0]
        with self.assertRaises(needle.NotFound) as caught:
            self.needle.lookup(case["table"], case["key_column"], case["keys"][:1], ["no_such_column"])
        self.assertIn("no_such_column", caught.exception.message)

    def test_key_of_the_wrong_type_raises_invalid_argument(self):
        case = self.cases["long_key_table"]
        with self.assertRaises(needle.InvalidArgument) as caught:
            self.needle.lookup(case["table"], case["key_column"], ["not a number"])
        self.assertEqual(caught.exception.status, 400)

    def test_table_outside_the_roots_raises_permission_denied(self):
        with self.assertRaises(needle.PermissionDenied):
            self.needle.lookup("file:///etc", "id", [1])

    def test_closed_port_raises_unavailable(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        with self.assertRaises(needle.Unavailable):
            Needle("http://127.0.0.1:%d" % port, timeout=5).lookup("file:///x", "id", [1])

    def test_rag_example_returns_the_top_k_chunks_from_needle(self):
        import rag
        rag_case = self.cases["rag"]
        ids, chunks = rag.run(URL, rag_case["table"], rag_case["docs"], 5, "what is a page index")
        self.assertEqual(len(ids), 5)
        self.assertEqual([c["doc_id"] for c in chunks], ids)
        for chunk in chunks:
            self.assertEqual(chunk, rag_case["expected"][chunk["doc_id"]])


if __name__ == "__main__":
    unittest.main()
