"""Search lag across servers: how long a listing change takes to be found on another app server.

How to run (from the project root, with the project venv; PostgreSQL at TEST_POSTGRES_URL, by default
postgresql://127.0.0.1:5432/test, where it creates and then drops a database of its own):

    .venv/bin/python -m benchmarks.search_lag                       # 1,000 services, 20 changes
    .venv/bin/python -m benchmarks.search_lag --size 1000 --changes 20 --workers 2 --interval 0.2

What it does: generates the search benchmark's synthetic directory (benchmarks/search.py: the real seed plus
synthetic services, same random seed) in a new PostgreSQL database; starts two app servers as production runs them
(docs/operations.md), each a gunicorn with its own index folder and its own `flask search follow`
(SEARCH_FOLLOWER=1); then, one change at a time, writes a new summary holding a made-up word to a random service
through the one listing writer and commits, and asks server two's `/search?q=<word>` every 20 ms until the service
is listed. The lag is from the commit's return to the first page that lists it: the follower's poll interval, its
index write, the web worker reopening its searcher and the page. Target: p95 <= 1 s.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from sqlmodel import Session, select

from benchmarks.search import DATA_SEED, generate, percentile
from directory.db import make_engine
from directory.listings.writer import update_service
from directory.models import Service
from tests.helpers.databases import POSTGRES_ADMIN_URL
from tests.helpers.servers import Server, free_port

LETTERS = "bcdfghjklmnpqrstvwxz"


def made_up_word(rng: random.Random) -> str:
    return "zq" + "".join(rng.choices(LETTERS, k=10))


def measure(url: str, servers: list[Server], changes: int, rng: random.Random) -> list[float]:
    engine = make_engine(url)
    lags = []
    try:
        with Session(engine) as session:
            services = list(session.exec(select(Service.id, Service.slug).where(Service.status == "active")))
        for number in range(changes):
            service_id, slug = rng.choice(services)
            word = made_up_word(rng)
            with Session(engine) as session:
                update_service(session, service_id, {"summary": f"Sessions of {word} for children and families"},
                               source="import", reason="search lag benchmark")
                session.commit()
            committed = time.perf_counter()
            while f"/services/{slug}\"" not in servers[1].get(f"/search?q={word}")[1]:
                if time.perf_counter() - committed > 30:
                    raise RuntimeError(f"change {number + 1} not found on server two within 30 s")
                time.sleep(0.02)
            lags.append(time.perf_counter() - committed)
            print(f"  change {number + 1:>2}: {lags[-1] * 1000:7.0f} ms", flush=True)
            time.sleep(rng.uniform(0.1, 0.5))  # changes arrive at any point of the followers' poll
    finally:
        engine.dispose()
    return lags


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="services in the directory (default 1000)")
    parser.add_argument("--changes", type=int, default=20, help="listing changes to time (default 20)")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per server (default 1)")
    parser.add_argument("--interval", type=float, default=0.2, help="the followers' poll interval (default 0.2 s)")
    args = parser.parse_args(argv)
    name = f"send_bench_lag_{uuid.uuid4().hex[:8]}"
    folder = Path(tempfile.mkdtemp(prefix="search-lag-"))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    url = f"{base}/{name}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    servers = [Server(label, folder / label, free_port()) for label in ("one", "two")]
    try:
        engine = make_engine(url)
        started = time.perf_counter()
        counts = generate(engine, args.size, random.Random(DATA_SEED + args.size))
        engine.dispose()
        print(f"generated {counts.get('service (seed)', 0) + counts.get('service', 0)} services on PostgreSQL "
              f"in {time.perf_counter() - started:.1f} s", flush=True)
        for server in servers:
            started = time.perf_counter()
            server.start(url, workers=args.workers, interval=args.interval)
            print(f"server {server.name}: index built by its follower and gunicorn -w {args.workers} up in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
        servers[1].get("/search?q=autism")  # warm searchers, as on a running server
        print(f"{args.changes} changes, each committed through the listing writer, then looked for on server two:")
        lags = measure(url, servers, args.changes, random.Random(7))
    finally:
        for server in servers:
            server.stop()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)
    lags_ms = [lag * 1000 for lag in lags]
    print(f"\nlag from commit to found on the other server, N={args.size}, {len(lags)} changes, follower every "
          f"{args.interval} s: p50 {percentile(lags_ms, 50):.0f} ms, p95 {percentile(lags_ms, 95):.0f} ms, "
          f"max {max(lags_ms):.0f} ms (target p95 <= 1000 ms)")


if __name__ == "__main__":
    main()
