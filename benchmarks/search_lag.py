"""Search lag across servers: how long a listing change takes to be found on another app server.

How to run (from the project root, with the project venv; PostgreSQL at TEST_POSTGRES_URL, by default
postgresql://127.0.0.1:5432/test, where it creates and then drops a database of its own):

    .venv/bin/python -m benchmarks.search_lag                       # 1,000 services, 20 changes
    .venv/bin/python -m benchmarks.search_lag --size 1000 --changes 20 --workers 2 --interval 0.2
    .venv/bin/python -m benchmarks.search_lag --no-follower --changes 5   # before: no follower, SEARCH_FOLLOWER=0

What it does: generates the search benchmark's synthetic directory (benchmarks/search.py: the real seed plus
synthetic services, same random seed) in a new PostgreSQL database; starts two app servers as production runs them
(docs/operations.md), each a gunicorn with its own index folder and its own `flask search follow`
(SEARCH_FOLLOWER=1); then, one change at a time, writes a new summary holding a made-up word to a random service
through the one listing writer and commits, and asks server two's `/search?q=<word>` every 20 ms until the service
is listed. The lag is from the commit's return to the first page that lists it: the follower's poll interval, its
index write, the web worker reopening its searcher and the page. Target: p95 <= 1 s.

`--no-follower` runs the servers as a single server is run (no follower, each worker writing its own commits to
its own index), which is how several servers ran before the follower: a change made elsewhere is never found
(each change is then given up after --give-up seconds and counted as not found).
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


def measure(url: str, servers: list[Server], changes: int, rng: random.Random, give_up: float) -> list[float | None]:
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
            lag = None
            while lag is None and time.perf_counter() - committed < give_up:
                if f"/services/{slug}\"" in servers[1].get(f"/search?q={word}")[1]:
                    lag = time.perf_counter() - committed
                else:
                    time.sleep(0.02)
            lags.append(lag)
            print(f"  change {number + 1:>2}: " + (f"{lag * 1000:7.0f} ms" if lag is not None
                                                   else f"not found within {give_up:.0f} s"), flush=True)
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
    parser.add_argument("--no-follower", action="store_true", help="no followers (SEARCH_FOLLOWER=0): before")
    parser.add_argument("--give-up", type=float, default=30.0, help="seconds to wait for each change (default 30)")
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
            server.start(url, workers=args.workers, interval=args.interval, follower=not args.no_follower)
            print(f"server {server.name}: index built and gunicorn -w {args.workers} up in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
        servers[1].get("/search?q=autism")  # warm searchers, as on a running server
        print(f"{args.changes} changes, each committed through the listing writer, then looked for on server two:")
        lags = measure(url, servers, args.changes, random.Random(7), args.give_up)
    finally:
        for server in servers:
            server.stop()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)
    lags_ms = [lag * 1000 for lag in lags if lag is not None]
    setting = "no follower" if args.no_follower else f"follower every {args.interval} s"
    print(f"\nlag from commit to found on the other server, N={args.size}, {len(lags)} changes, {setting}: "
          + (f"p50 {percentile(lags_ms, 50):.0f} ms, p95 {percentile(lags_ms, 95):.0f} ms, max {max(lags_ms):.0f} ms"
             if len(lags_ms) == len(lags) else f"{len(lags) - len(lags_ms)} of {len(lags)} never found")
          + " (target p95 <= 1000 ms)")


if __name__ == "__main__":
    main()
