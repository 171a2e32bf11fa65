"""RAG retrieval with Needle: top-k ids from a vector search, then the chunks from Needle in one call.

The vector search here is a toy (random unit vectors per document, in this script); in a real
service it is your vector index. What Needle adds is the second step: the chunk texts and their
exact embeddings for the k ids, straight from the Parquet table, in one HTTP call.

    needle gen --shape rag --rows 10000 --out /tmp/rag
    needle serve --root /tmp/rag --http-port 8081 &
    python3 clients/python/examples/rag.py --url http://127.0.0.1:8081 --table file:///tmp/rag \
        --docs 10000 --top-k 5 "how do lookups work"
"""

import argparse
import hashlib
import math
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from needle import Needle  # noqa: E402

DIM = 32


def doc_id(n):
    """The key `needle gen --shape rag` gives document n."""
    return "doc-%010d" % n


def _unit(rng, dim):
    v = [rng.gauss(0.0, 1.0) for _ in range(dim)]
    norm = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / norm for x in v]


def toy_index(docs, dim=DIM, seed=7):
    """A stand-in vector index: one pseudo-random unit vector per document id."""
    rng = random.Random(seed)
    return [(doc_id(n), _unit(rng, dim)) for n in range(docs)]


def embed_query(text, dim=DIM):
    """A stand-in query encoder: a unit vector seeded by the text."""
    return _unit(random.Random(hashlib.sha256(text.encode("utf-8")).digest()), dim)


def search(index, query, k):
    """The ids of the k nearest vectors by dot product, best first."""
    scored = sorted(index, key=lambda item: -sum(a * b for a, b in zip(item[1], query)))
    return [i for i, _ in scored[:k]]


def run(url, table, docs, k, question):
    """Ids from the toy index, then chunk texts and embeddings from Needle in one call, in rank order."""
    ids = search(toy_index(docs), embed_query(question), k)
    with Needle(url) as needle:
        rows = needle.lookup(table, "doc_id", ids, ["doc_id", "title", "text", "embedding"])
    return ids, [row for i in ids for row in rows[i]]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8081")
    parser.add_argument("--table", required=True, help="table URI, e.g. file:///tmp/rag")
    parser.add_argument("--docs", type=int, default=10000, help="documents in the table (needle gen --rows)")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("question", nargs="?", default="how does Needle answer a lookup")
    args = parser.parse_args(argv)
    ids, chunks = run(args.url, args.table, args.docs, args.top_k, args.question)
    print("top %d ids from the vector search: %s" % (len(ids), ", ".join(ids)))
    for rank, chunk in enumerate(chunks, 1):
        print("%d. %s [%s] (%d-dim embedding) %s..." % (rank, chunk["doc_id"], chunk["title"],
                                                      len(chunk["embedding"]), chunk["text"][:80]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
