"""`flask send-freshness-reminders`: remind leads of listings not checked for 6 months, tell admins at 12."""

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from directory.db import get_database
from directory.listings.freshness import send_freshness_reminders


@click.command("send-freshness-reminders")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Count months up to this date (YYYY-MM-DD) instead of today in England.")
@with_appcontext
def send_freshness_reminders_command(today):
    """Queue emails to the leads of listings not checked as correct for 6 months (to administrators when a
    listing has no lead), and tell administrators at 12 months. Safe to run every hour, on several servers at
    once: each email is queued once for each time a listing is checked. Run send-notifications to deliver them."""
    day: date | None = today.date() if today else None
    with get_database(current_app).session_factory() as session:
        summary = send_freshness_reminders(session, day)
    click.echo(summary.line())


def init_app(app) -> None:
    app.cli.add_command(send_freshness_reminders_command)
