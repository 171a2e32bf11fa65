"""What both test files share: the cases file PythonClientTest writes, and the check of lookups
against the oracle's rows in it."""

import json


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check_lookups(test, client, cases):
    """Looks up every case's keys with ``client`` and asserts the oracle's rows; the rows checked."""
    checked = 0
    for case in cases["lookups"]:
        rows = client.lookup(case["table"], case["key_column"], case["keys"], case["columns"])
        test.assertEqual(list(rows.keys()), list(dict.fromkeys(case["keys"])), case["table"])
        for key, want in zip(case["keys"], case["expected"]):
            test.assertEqual(rows[key], want, "%s key %r" % (case["table"], key))
            checked += len(want)
    return checked
