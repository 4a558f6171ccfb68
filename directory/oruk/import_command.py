"""`flask import-oruk URL_OR_FILE`: read an Open Referral UK 3.0 feed into the directory (all or nothing)."""

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from directory.db import get_database
from directory.oruk.fetch import FetchError, read_sources
from directory.oruk.importer import ImportRefused, import_feed


@click.command("import-oruk")
@click.argument("source")
@click.option("--withdraw-missing", is_flag=True,
              help="Make inactive every active or temporarily closed service the feed does not list.")
@click.option("--dry-run", is_flag=True, help="Check the feed and report what would change, writing nothing.")
@with_appcontext
def import_oruk_command(source: str, withdraw_missing: bool, dry_run: bool):
    """Import services, organisations and locations from an Open Referral UK 3.0 feed: a JSON file, a folder of
    them, or a running ORUK API (http or https, read page by page). Services are matched by id; nothing is
    written unless the whole feed is valid."""
    try:
        sources = read_sources(source)
    except FetchError as error:
        _refuse(f"{source} cannot be read; nothing was imported:", error.problems)
    with get_database(current_app).session_factory() as session:
        try:
            result = import_feed(session, sources, withdraw_missing=withdraw_missing)
        except ImportRefused as error:
            session.rollback()
            _refuse(f"{source} has {len(error.problems)} problem(s); nothing was imported:", error.problems)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    for line in result.lines():
        click.echo(line)
    if dry_run and result.report.changes:
        click.echo("Dry run: nothing was written.")


def _refuse(heading: str, problems: list[str]) -> None:
    click.echo(heading, err=True)
    for problem in problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)
