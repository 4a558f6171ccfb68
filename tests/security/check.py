"""The security check: the attacker's walk, with every hostile value, on a fresh migrated and seeded SQLite
database and on a fresh PostgreSQL one. Prints what it sent and what came back; exits 1 on any leak or 5xx.

    .venv/bin/python -m tests.security.check [--backend sqlite|postgresql] [--quick]
"""

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

from directory import create_app
from directory.config import Config
from directory.search import SearchIndex
from directory.search import sync as search_sync
from directory.search.synonyms import Synonyms
from tests.conftest import TEST_CONFIG
from tests.helpers.databases import BACKENDS, empty_database, migrate_and_seed
from tests.security.walk import WALK_CONFIG, Report, Walker, build_world, rolled_back


def _session(connection, info=None) -> Session:
    # As in the tests: the app's commits release savepoints inside one transaction that is rolled back at the end.
    return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False,
                   info=dict(info or {}))


def check(backend: str, folder: Path, all_hostile_values: bool = True, verbose: bool = False) -> Report:
    with empty_database(backend, folder) as url:
        database = migrate_and_seed(url)
        index = folder / f"index-{backend}"
        with Session(database.engine) as session:
            search_sync.rebuild(SearchIndex(index, Synonyms.from_file(Config.THESAURUS_PATH)), session)
        app = create_app({**TEST_CONFIG, **WALK_CONFIG, "DATABASE_URL": url, "SEARCH_INDEX_PATH": str(index)})
        if not verbose:
            app.logger.setLevel(logging.CRITICAL)  # each 5xx is listed below; its logged frames only with --verbose
        connection = database.engine.connect()
        outer = connection.begin()
        app_database = app.extensions["db"]
        app_database.session_factory = lambda: _session(connection, app_database.session_info)

        try:
            with _session(connection) as session:
                world = build_world(app, session)
            return Walker(world, lambda: rolled_back(connection)).walk(all_hostile_values=all_hostile_values)
        finally:
            outer.rollback()
            connection.close()
            app_database.engine.dispose()
            database.engine.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, action="append", help="default: both")
    parser.add_argument("--quick", action="store_true", help="only the first few hostile values")
    parser.add_argument("--verbose", action="store_true", help="show the app's log (where each 5xx happened)")
    args = parser.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        for backend in args.backend or BACKENDS:
            started = time.monotonic()
            report = check(backend, Path(folder), all_hostile_values=not args.quick, verbose=args.verbose)
            print(f"{backend:<10} {report.summary()} ({time.monotonic() - started:.0f} s)")
            statuses = ", ".join(f"{status}: {count}" for status, count in sorted(report.statuses.items()))
            print(f"{'':<10} by status: {statuses}")
            for title, items in (("LEAKS", report.leaks), ("5xx", report.server_errors)):
                if items:
                    failed = True
                    print(f"{'':<10} {title}:")
                    for item in items:
                        print(f"{'':<12} {item}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
