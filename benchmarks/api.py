"""ORUK API benchmark: GET /api/services?per_page=50 (brief and fully nested) and GET /api/services/{id} on the
synthetic 10,000-service directory of benchmarks/search.py (generated once and cached in --workdir).

    .venv/bin/python -m benchmarks.api [--size 10000] [--requests 300] [--workdir /tmp/send-directory-bench]
                                       [--only search] [--database-url URL]
    .venv/bin/python -m benchmarks.api --make-postgresql   # the same directory in a new PostgreSQL database

Each request is timed with time.perf_counter (and its CPU time with time.process_time) around the Flask test
client's GET: parameter checks, the rate limit, the revision read for the ETag, the queries and the JSON. No
network. Pages are chosen at random over the whole list, ids at random over every service. Targets (issue 15):
a page of 50 full services at most 50 ms p95, one service at most 10 ms p95. The number of SQL statements per
request is counted too: it must not grow with the page size.

On PostgreSQL: `--make-postgresql` generates the same directory (same generator and seed, so the same ids as the
cached index) into a new database on the server of TEST_POSTGRES_URL and prints its URL; `--database-url URL` then
measures on it (drop it with dropdb when done).
"""

import argparse
import os
import random
import statistics
import time
import uuid
from pathlib import Path

from sqlalchemy import event

from benchmarks.search import DATA_SEED, DEFAULT_WORKDIR, WARMUP, generate, percentile, prepare
from directory import create_app
from directory.db import make_engine

LIMIT = "100000000/1"
TARGETS_MS = {"services?per_page=50&full=true": 50.0, "services/{id}": 10.0}
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


def make_app(dataset, database_url: str | None = None):
    return create_app({"DATABASE_URL": database_url or dataset.db_url, "SEARCH_INDEX_PATH": str(dataset.index_root),
                       "SEARCH_CHECK_ON_START": False, "TESTING": True, "SECRET_KEY": "bench",
                       "API_REQUESTS_PER_CLIENT": LIMIT})


def measure(client, urls: list[str], statements: list[int]) -> dict:
    for url in urls[:WARMUP]:
        assert client.get(url).status_code == 200, url
    times, cpu, counts = [], [], []
    for url in urls:
        before = statements[0]
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        times.append(elapsed)
        counts.append(statements[0] - before)
    return {"n": len(times), "p50": statistics.median(times), "p95": percentile(times, 95),
            "max": max(times), "cpu95": percentile(cpu, 95), "statements": (min(counts), max(counts)),
            "bytes": len(response.get_data())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--only", default="", help="measure only the requests whose name holds this text")
    parser.add_argument("--database-url", help="measure on this database, holding the same directory")
    parser.add_argument("--make-postgresql", action="store_true",
                        help="put the same directory in a new PostgreSQL database, print its URL and stop")
    args = parser.parse_args(argv)
    dataset = prepare(args.size, args.workdir, args.rebuild)
    if args.make_postgresql:
        print(make_postgresql(args.size))
        return
    app = make_app(dataset, args.database_url)
    statements = [0]

    def _count(*_args):
        statements[0] += 1

    event.listen(app.extensions["db"].engine, "before_cursor_execute", _count)
    client = app.test_client()
    rng = random.Random(15)
    first = client.get("/api/services?per_page=50").get_json()
    pages = first["total_pages"]
    ids = [line.split('"id":"', 1)[1].split('"', 1)[0]
           for line in client.get("/api/services?format=ndjson&minimal=true").get_data(as_text=True).splitlines()]
    print(f"[{args.size}] {first['total_items']} services published, {pages} pages of 50; "
          f"{args.requests} requests each (after {WARMUP} warm-up)\n")
    cases = {
        "services?per_page=50": [f"/api/services?per_page=50&page={rng.randint(1, pages)}"
                                 for _ in range(args.requests)],
        "services?per_page=50&full=true": [f"/api/services?per_page=50&full=true&page={rng.randint(1, pages)}"
                                           for _ in range(args.requests)],
        "services?per_page=50&search=speech": [f"/api/services?per_page=50&search=speech&page={rng.randint(1, 5)}"
                                               for _ in range(args.requests // 3)],
        "services/{id}": [f"/api/services/{rng.choice(ids)}" for _ in range(args.requests)],
    }
    # The load average: on a shared machine, other processes' work shows in the wall-clock times (not in CPU).
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"{'request':<38} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU p95':>8} {'SQL':>7} {'bytes':>8}"
          "  target (wall-clock p95)")
    for name, urls in cases.items():
        if args.only not in name:
            continue
        result = measure(client, urls, statements)
        target = TARGETS_MS.get(name)
        verdict = "" if target is None else f"p95 <= {target:.0f} ms: {'met' if result['p95'] <= target else 'NOT met'}"
        low, high = result["statements"]
        print(f"{name:<38} {result['n']:>5} {result['p50']:>8.1f} {result['p95']:>8.1f} {result['max']:>8.1f} "
              f"{result['cpu95']:>8.1f} "
              f"{low if low == high else f'{low}-{high}':>7} {result['bytes']:>8}  {verdict}", flush=True)


def make_postgresql(size: int) -> str:
    """A new database on TEST_POSTGRES_URL's server with benchmarks/search.py's directory of this size; its URL."""
    import psycopg

    name = f"send_api_bench_{size}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    engine = make_engine(url)
    generate(engine, size, random.Random(DATA_SEED + size))
    engine.dispose()
    return url


if __name__ == "__main__":
    main()
