"""`flask retention`: apply the retention schedule (directory/retention.py), as a dry run or for real."""

import click
from flask import current_app
from flask.cli import with_appcontext

from directory.db import get_database
from directory.retention import RetentionError, apply_schedule


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Count what is due under the schedule, changing nothing.")
@click.option("--commit", is_flag=True, help="Delete (or empty) what is due, and report what was done.")
@with_appcontext
def retention_command(dry_run: bool, commit: bool):
    """Apply the retention schedule: old emails, links, sessions, drafts and audit entries, and closed family
    records past their period, anonymised (give --dry-run or --commit). Running it again at once finds nothing
    more to do."""
    if dry_run == commit:
        raise click.UsageError("Give exactly one of --dry-run (count what is due) and --commit (delete it).")
    with get_database(current_app).session_factory() as session:
        try:
            report = apply_schedule(session, commit=commit, audit_years=current_app.config["AUDIT_RETENTION_YEARS"])
        except RetentionError as error:
            raise click.ClickException(str(error)) from None
    for line in report.lines():
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing was changed. Run again with --commit to apply the schedule.")
    else:
        click.echo(f"Done: {report.changes} change(s) committed.")
