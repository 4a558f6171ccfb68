"""Flask commands: create or upgrade the database, seed it, and create users."""

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from directory import migrate
from directory.accounts import AccountError, create_user
from directory.db import get_database
from directory.models.accounts import ROLES
from directory.seed import SeedError, apply_seed, load_seed

db_cli = AppGroup("db", help="Create, upgrade or reset the database.")


def _engine():
    return get_database(current_app).engine


def _session():
    return get_database(current_app).session_factory()


@db_cli.command("upgrade")
def db_upgrade():
    """Create the database tables, or bring them up to date."""
    migrate.upgrade(_engine())
    click.echo("Database is up to date.")


@db_cli.command("reset")
@click.option("--yes-delete-everything", is_flag=True, help="Confirm that every row in the database may be lost.")
def db_reset(yes_delete_everything: bool):
    """Drop every table and create them again, empty."""
    if not yes_delete_everything:
        raise click.UsageError("This deletes everything in the database. Add --yes-delete-everything to go ahead.")
    migrate.downgrade_to_empty(_engine())
    migrate.upgrade(_engine())
    click.echo("Database reset: every table is empty.")


@click.command("seed")
@with_appcontext
@click.option("--path", type=click.Path(file_okay=False), default=None, help="Folder with the seed JSON files.")
@click.option("--commit", is_flag=True, help="Write the changes. Without it, only report what would change.")
def seed_command(path: str | None, commit: bool):
    """Load the directory from the seed files (a dry run unless --commit)."""
    folder = path or current_app.config["SEED_PATH"]
    try:
        data = load_seed(folder)
    except SeedError as error:
        click.echo(f"The seed files in {folder} have {len(error.problems)} problem(s); nothing was changed:", err=True)
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    with _session() as session:
        report = apply_seed(session, data)
        if commit:
            session.commit()
        else:
            session.rollback()
    for line in report.lines():
        click.echo(line)
    if not commit and report.changes:
        click.echo("Dry run: nothing was written. Run again with --commit to write these changes.")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES), help="Repeat for several.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              prompt_required=False, default=None, help="Prompted for when given without a value.")
@click.option("--no-password", is_flag=True, help="Create the account without a password (to be invited).")
def create_user_command(email: str, name: str, roles: tuple[str, ...], password: str | None, no_password: bool):
    """Create a user who can sign in."""
    if not no_password and password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session() as session:
        try:
            user = create_user(session, email, name, list(roles), None if no_password else password)
        except AccountError as error:
            raise click.ClickException(str(error)) from None
        session.commit()
        click.echo(f"Created {user.email} with role(s): {', '.join(sorted(roles))}.")




search_cli = AppGroup("search", help="Build and check the search index.")


@search_cli.command("rebuild")
def search_rebuild():
    """Build the whole index again in a new folder, then swap it in."""
    from directory import search_sync

    with _session() as session:
        count = search_sync.rebuild(search_sync.get_index(current_app), session)
    click.echo(f"Search index rebuilt with {count} services.")


@search_cli.command("check")
@click.option("--repair", is_flag=True, help="Add what is missing from the index and remove what should not be there.")
def search_check(repair: bool):
    """Compare the services in the database with those in the index."""
    from directory import search_sync
    from directory.search import SearchUnavailable

    index = search_sync.get_index(current_app)
    with _session() as session:
        try:
            report = search_sync.check(index, session)
        except SearchUnavailable as error:
            raise click.ClickException(str(error)) from None
        if report.ok:
            click.echo("The search index matches the database.")
            return
        click.echo(f"{len(report.missing)} service(s) missing from the index, "
                   f"{len(report.extra)} in the index that should not be.")
        for service_id in sorted(report.missing):
            click.echo(f"  missing: {service_id}")
        for service_id in sorted(report.extra):
            click.echo(f"  extra:   {service_id}")
        if repair:
            search_sync.repair(index, session, report)
            click.echo("Repaired: the search index now matches the database.")
        else:
            click.echo("Run again with --repair to fix it.")
            sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(search_cli)
