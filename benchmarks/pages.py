"""Page benchmark: the pages a family or key worker uses most, timed in the test client at 1,000 services, on
SQLite and PostgreSQL; and (--serve) gunicorn's requests per second for a service page and /search against /health.

    .venv/bin/python -m benchmarks.pages                              # 1,000 services, SQLite and PostgreSQL
    .venv/bin/python -m benchmarks.pages --size 1000 --databases postgresql --requests 300
    .venv/bin/python -m benchmarks.pages --profile service            # also cProfile one page's requests
    .venv/bin/python -m benchmarks.pages --serve [--databases sqlite] [--duration 15]   # gunicorn -w 2 + wrk

The directory is benchmarks/search.py's synthetic one (its generator, same seed): on SQLite a copy of the
cached database of `--workdir`, on PostgreSQL a fresh database made on the server of TEST_POSTGRES_URL
(default postgresql://127.0.0.1:5432/test) and dropped at the end. A key worker with a family's record (child and
needs filled in) and a service lead with an inbox of referrals are made through the app's own data layer
(accounts, records, the referral submission), then signed in through the sign-in page.

Each request is timed with time.perf_counter around the test client's call: routing, sessions, the queries, the
template and the response; no network. The SQL statements of each request are counted with a
`before_cursor_execute` listener on the app's engine. Pages:

    /health                     the bare liveness check: the baseline
    home                        /
    /search?q=speech            a search (its internals are benchmarks/search.py's)
    service page                /services/<slug>: 50 services in turn, each seen before (warm caches)
    service page, cold caches   /services/<slug>, a random one, every reference cache emptied first
    checker                     the eligibility checker's answer (POST: age, area, needs)
    key worker's services page  /families/<id>/services: the family's routed services, signed in as a key worker
    lead's inbox                /inbox, signed in as a lead with referrals to their service

Target (issue 16): a service page <= 5 ms p95.

`--serve` starts `gunicorn -w 2` with the production settings (gunicorn.conf.py, access log to a file) on the
first database of --databases and runs `wrk -t2 -c8` against /health, a rotating set of service pages (Lua
script), /search?q=speech (one address: its main content kept by each worker after the first request) and 400
search addresses in turn (more than a worker keeps, so none is kept: every request searches and draws), then
prints req/s and the ratios (targets: a service page >= 0.3x and /search >= 0.2x the req/s of /health). Needs `wrk`
on PATH (apt-get install -y wrk). Loopback only; bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import itertools
import json
import os
import pstats
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event
from sqlmodel import Session, select

from benchmarks.search import (
    DATA_SEED,
    DEFAULT_WORKDIR,
    THESAURUS_PATH,
    WARMUP,
    free_port,
    generate,
    percentile,
    prepare,
    run_wrk,
    wait_until_up,
)
from directory.config import PROJECT_ROOT

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
PASSWORD = "correct horse battery staple"
LEAD_SERVICE = "early-help-family-support"  # a real seed service that takes referrals through the site
FAMILIES = 30  # records the key worker refers to the lead's service: the lead's inbox
TARGET_SERVICE_P95_MS = 5.0
CHECKER_ANSWERS = (
    {"age": "9", "district": "tamworth", "ehcp": "not_sure"},
    {"age": "4", "district": "east-staffordshire", "ehcp": "none", "needs": ["SLCN"], "suspected": ["autism"]},
    {"age": "15", "district": "stafford", "ehcp": "in_place", "needs": ["SEMH"], "school_year": "10",
     "in_education": "yes", "looked_after": "no"},
    {"age": "2", "district": "", "postcode": "ST13", "ehcp": "not_sure", "needs": ["PD", "HI"]},
)
CHILD = {"first_name": "Sam", "last_name": "Jones", "date_of_birth": "2017-05-14", "address_line_1": "1 High St",
         "town": "Burton upon Trent", "postcode": "DE14 1AA", "district": "east-staffordshire", "school_year": "4",
         "in_education": "yes", "ehcp": "none", "looked_after": "no"}
NEEDS = {"needs": ["SLCN"], "diagnoses": [], "suspected": ["autism"], "tried_already": "A visual timetable"}


# --- databases -----------------------------------------------------------------------------------------------


@dataclass
class Directory:
    """One benchmark directory: a database URL and its search index, both the benchmark's to change."""

    database: str
    url: str
    index_root: Path


@contextlib.contextmanager
def sqlite_directory(size: int, workdir: Path, rebuild: bool) -> Iterator[Directory]:
    """A copy of benchmarks/search.py's cached dataset (the benchmark adds people and referrals to it)."""
    dataset = prepare(size, workdir, rebuild)
    folder = Path(tempfile.mkdtemp(prefix=f"pages-{size}-", dir=workdir))
    try:
        shutil.copy2(dataset.db_path, folder / "directory.sqlite")
        shutil.copytree(dataset.index_root, folder / "search", symlinks=True)
        yield Directory("sqlite", f"sqlite:///{folder / 'directory.sqlite'}", folder / "search")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgresql_directory(size: int, workdir: Path) -> Iterator[Directory]:
    """A fresh PostgreSQL database with the same synthetic directory (same generator, same seed), and its index."""
    import psycopg

    from directory.db import make_engine
    from directory.search import SearchIndex
    from directory.search.sync import rebuild
    from directory.search.synonyms import Synonyms

    name = f"send_pages_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    folder = Path(tempfile.mkdtemp(prefix=f"pages-pg-{size}-", dir=workdir))
    try:
        engine = make_engine(url)
        generate(engine, size, random.Random(DATA_SEED + size))
        with Session(engine) as session:
            rebuild(SearchIndex(folder / "search", Synonyms.from_file(THESAURUS_PATH)), session)
        engine.dispose()
        yield Directory("postgresql", url, folder / "search")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def directory_for(database: str, size: int, workdir: Path, rebuild: bool):
    if database == "sqlite":
        return sqlite_directory(size, workdir, rebuild)
    return postgresql_directory(size, workdir)


def bench_config(directory: Directory) -> dict:
    # TESTING: errors surface in the benchmark; CSRF off so that the checker's POST needs no token.
    return {"DATABASE_URL": directory.url, "SEARCH_INDEX_PATH": str(directory.index_root),
            "SEARCH_CHECK_ON_START": False, "TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
            "SITE_URL": "http://localhost"}


# --- people, a family and an inbox, made through the app's data layer ----------------------------------------


@dataclass
class People:
    key_worker_email: str
    lead_email: str
    record_id: uuid.UUID
    referrals: int


def make_people(app) -> People:
    """A key worker with FAMILIES records, each referred to the lead's service; a lead of that service."""
    from directory import people
    from directory.accounts import create_user
    from directory.listings import writer
    from directory.models import District, Service
    from directory.referrals import records, submit

    with app.app_context():
        session = app.extensions["db"].session_factory()
        service = session.exec(select(Service).where(Service.slug == LEAD_SERVICE)).one()
        # The real seed keeps referral addresses private: give the lead's service one, through the listing writer.
        writer.update_service(session, service.id, {"referral_email": "referrals@example.org"}, source="import",
                              reason="page benchmark")
        session.commit()
        district = session.exec(select(District.id).where(District.slug == CHILD["district"])).one()
        key_worker = create_user(session, "key.worker@example.org", "Key Worker", ["key_worker"], PASSWORD)
        lead = create_user(session, "lead@example.org", "Service Lead", ["service_lead"], PASSWORD)
        session.flush()
        people.set_work(session, key_worker, [str(district)], [])
        people.set_work(session, lead, [], [str(service.id)])
        session.commit()
        first = None
        for number in range(FAMILIES):
            record = records.create_record(session, key_worker.id, {"key_worker"})
            child = {**CHILD, "first_name": f"Child{number}"}
            records.save_section(session, key_worker.id, record, "child", child, completed=True)
            records.save_section(session, key_worker.id, record, "needs", NEEDS, completed=True)
            submit.submit_referral(session, key_worker, {"key_worker"}, record,
                                   [submit.Choice(service.id, "parent_with_parental_responsibility", "written")],
                                   uuid.uuid4().hex, FAMILIES + 10)
            first = first or record.id
        session.close()
    return People(key_worker.email, lead.email, first, FAMILIES)


def signed_in(app, email: str):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"signing in as {email} failed: {response.status_code}")
    return client


# --- timing --------------------------------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    client: object
    requests: list[tuple[str, str, dict | None]]  # (method, url, form data)
    before: Callable[[], None] | None = None  # called before each request, untimed
    ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    bytes: int = 0


def pages(app, people: People, count: int, rng: random.Random) -> list[Page]:
    from directory import reference_cache
    from directory.models import Service

    with app.app_context():
        session = app.extensions["db"].session_factory()
        slugs = list(session.exec(select(Service.slug).where(Service.status == "active").order_by(Service.slug)))
        session.close()
    some = rng.sample(slugs, 50)
    anonymous = app.test_client()
    key_worker, lead = signed_in(app, people.key_worker_email), signed_in(app, people.lead_email)

    def same(url: str) -> list:
        return [("GET", url, None)] * count

    return [
        Page("/health", anonymous, same("/health")),
        Page("home", anonymous, same("/")),
        Page("/search?q=speech", anonymous, same("/search?q=speech")),
        # Warm: 50 pages in turn, each seen in the warm-up (as a page people visit is); cold: every cache emptied
        # first (the first view of each page after a listing change, which empties them all).
        Page("service page", anonymous, [("GET", f"/services/{slug}", None)
                                         for slug in itertools.islice(itertools.cycle(some), count)]),
        Page("service page, cold caches", anonymous, [("GET", f"/services/{rng.choice(slugs)}", None)
                                                      for _ in range(count)],
             before=reference_cache.get_cache(app).clear),
        Page("checker", anonymous, [("POST", "/check-what-my-child-might-get", CHECKER_ANSWERS[i % 4])
                                    for i in range(count)]),
        Page("key worker's services page", key_worker, same(f"/families/{people.record_id}/services")),
        Page("lead's inbox", lead, same("/inbox")),
    ]


def call(client, method: str, url: str, data: dict | None):
    return client.post(url, data=data) if method == "POST" else client.get(url)


def measure(page: Page, statements: list[int]) -> None:
    warm_up = page.requests[:WARMUP] if page.name != "service page" else page.requests[:50]
    for method, url, data in warm_up:
        if page.before:
            page.before()
        response = call(page.client, method, url, data)
        assert response.status_code == 200, (page.name, url, response.status_code)
    for method, url, data in page.requests:
        if page.before:
            page.before()
        before = statements[0]
        started = time.perf_counter()
        response = call(page.client, method, url, data)
        page.ms.append((time.perf_counter() - started) * 1000)
        page.statements.append(statements[0] - before)
        assert response.status_code == 200, (page.name, url, response.status_code)
        page.bytes = len(response.get_data())


def profile(page: Page) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for method, url, data in page.requests:
        call(page.client, method, url, data)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    out.write(f"\ncProfile of {len(page.requests)} requests of {page.name}: cumulative, then own time\n")
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(20)
    print(out.getvalue())


def run_pages(database: str, size: int, count: int, workdir: Path, rebuild: bool, profiled: str | None,
              only: list[str] | None = None) -> list:
    from directory import create_app

    with directory_for(database, size, workdir, rebuild) as directory:
        app = create_app(bench_config(directory))
        people = make_people(app)
        statements = [0]

        def _count(*_args):
            statements[0] += 1

        event.listen(app.extensions["db"].engine, "before_cursor_execute", _count)
        found = [page for page in pages(app, people, count, random.Random(16))
                 if page.name == "/health" or not only or any(name in page.name for name in only)]
        print(f"[{database}] {size} services; a key worker with {people.referrals} families referred to "
              f"{LEAD_SERVICE}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        for page in found:
            measure(page, statements)
            if profiled and profiled in page.name:
                profile(page)
        app.extensions["db"].engine.dispose()
    return found


def print_pages(database: str, found: list[Page]) -> None:
    health = statistics.median(found[0].ms)
    print(f"\n[{database}] times in ms over {len(found[0].ms)} requests each (after {WARMUP} warm-up), in the test "
          "client; SQL = statements per request")
    header = (f"{'page':<28}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'x /health p50':>15}{'SQL':>11}{'bytes':>9}"
              "  target")
    print(header)
    print("-" * len(header))
    for page in found:
        low, high = min(page.statements), max(page.statements)
        p50, p95 = statistics.median(page.ms), percentile(page.ms, 95)
        target = ""
        if page.name.startswith("service page"):
            target = f"p95 <= {TARGET_SERVICE_P95_MS:.0f} ms: {'met' if p95 <= TARGET_SERVICE_P95_MS else 'NOT met'}"
        print(f"{page.name:<28}{p50:>8.2f}{p95:>8.2f}{percentile(page.ms, 99):>8.2f}{max(page.ms):>8.1f}"
              f"{p50 / health:>14.1f}x{low if low == high else f'{low}-{high}':>11}{page.bytes:>9}  {target}")


# --- gunicorn + wrk ------------------------------------------------------------------------------------------


def serve(database: str, size: int, workdir: Path, rebuild: bool, duration: int) -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install -y wrk)")
    from directory import create_app
    from directory.models import Service

    with directory_for(database, size, workdir, rebuild) as directory:
        app = create_app(bench_config(directory))
        with app.app_context():
            session = app.extensions["db"].session_factory()
            slugs = list(session.exec(select(Service.slug).where(Service.status == "active")
                                      .order_by(Service.slug)))
            session.close()
        app.extensions["db"].engine.dispose()
        rotating = random.Random(16).sample(slugs, 50)
        script = Path(tempfile.mkstemp(prefix="service-pages-", suffix=".lua", dir=workdir)[1])
        script.write_text(
            "-- Each wrk thread walks the same list of service pages in turn.\n"
            "local paths = {\n" + "".join(f"  {json.dumps('/services/' + s)},\n" for s in rotating) + "}\n"
            "local i = 0\n"
            "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n")
        # Searches no worker has kept: more distinct addresses than a worker keeps (search_page.KEPT_PAGES), walked
        # in turn, so every request searches, counts and draws the page afresh.
        from directory.web.public.search_page import KEPT_PAGES
        words = ["speech", "autism", "adhd", "short+breaks", "physio", "camhs", "ehcp", "sleep", "hearing", "vision",
                 "dyslexia", "anxiety", "transport", "portage", "therapy", "wellbeing", "behaviour", "support",
                 "family", "advice"]
        searches = [f"/search?q={word}&age={age}" for age in range(20) for word in words]
        assert len(searches) > KEPT_PAGES  # walked in turn, a least-recently-used store of fewer keeps none
        search_script = Path(tempfile.mkstemp(prefix="searches-", suffix=".lua", dir=workdir)[1])
        search_script.write_text(
            "local paths = {\n" + "".join(f"  {json.dumps(path)},\n" for path in searches) + "}\n"
            "local i = 0\n"
            "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        # The production settings (gunicorn.conf.py), the production environment but for the secrets' checks.
        env = {**os.environ, "DATABASE_URL": directory.url, "SEARCH_INDEX_PATH": str(directory.index_root),
               "SEARCH_CHECK_ON_START": "0", "SECRET_KEY": "bench", "INSTANCE_PATH": str(directory.index_root.parent),
               "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "SITE_URL": base}
        gunicorn = Path(sys.executable).parent / "gunicorn"
        log_path = directory.index_root.parent / "gunicorn.log"
        with log_path.open("w") as log:
            process = subprocess.Popen([str(gunicorn), "--config", "gunicorn.conf.py"], cwd=PROJECT_ROOT, env=env,
                                       stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_until_up(base + "/health", 30)
                print(f"[serve] gunicorn -w 2 (gunicorn.conf.py) on {base}, {database}, N={size}; warming up",
                      flush=True)
                run_wrk(base, None, script, 3)  # both workers build their caches and searchers before we measure
                run_wrk(base, "/search?q=speech", None, 2)
                runs = [
                    ("/health", run_wrk(base, "/health", None, duration)),
                    (f"service page ({len(rotating)} rotating)", run_wrk(base, None, script, duration)),
                    ("/search?q=speech (kept)", run_wrk(base, "/search?q=speech", None, duration)),
                    (f"/search, {len(searches)} rotating (none kept)", run_wrk(base, None, search_script, duration)),
                ]
            finally:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                script.unlink(missing_ok=True)
                search_script.unlink(missing_ok=True)
    health = runs[0][1]["rps"]
    targets = {"/health": None, "service page": 0.3, "/search": 0.2}
    print(f"\nwrk -t2 -c8 -d{duration}s --latency against gunicorn -w 2 (2 cores shared with wrk), {database}, "
          f"N={size}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = f"{'target':<38}{'req/s':>9}{'x /health':>10}{'p50':>8}{'p99':>8}  {'goal':<22}errors"
    print(header)
    print("-" * len(header))
    for name, r in runs:
        goal = next((v for k, v in targets.items() if name.startswith(k)), None)
        ratio = r["rps"] / health
        verdict = "" if goal is None else f">= {goal}x: {'met' if ratio >= goal else 'NOT met'}"
        print(f"{name:<38}{r['rps']:>9.1f}{ratio:>9.2f}x{r.get('p50_ms', 0):>8.1f}{r.get('p99_ms', 0):>8.1f}  "
              f"{verdict:<22}{r['errors']}")
    print("(latencies in ms, as measured by wrk over loopback)")


# --- command line --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000, help="services in the directory")
    parser.add_argument("--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="where databases and indexes are kept")
    parser.add_argument("--rebuild", action="store_true", help="generate the SQLite dataset again even if cached")
    parser.add_argument("--pages", nargs="+", metavar="PAGE", help="only the pages whose names have one of these "
                        "(/health is always measured: it is the baseline)")
    parser.add_argument("--profile", metavar="PAGE", help="cProfile the requests of the page whose name has PAGE")
    parser.add_argument("--serve", action="store_true", help="gunicorn + wrk on the first database instead")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run (--serve)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    if args.serve:
        serve(args.databases[0], args.size, args.workdir, args.rebuild, args.duration)
        return
    results = [(database, run_pages(database, args.size, args.requests, args.workdir, args.rebuild, args.profile,
                                    args.pages))
               for database in args.databases]
    for database, found in results:
        print_pages(database, found)


if __name__ == "__main__":
    main()
