"""`flask send-reminders`: remind services of referrals past their response target, and escalate at twice it."""

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from directory.db import get_database
from directory.referrals.reminders import send_reminders


@click.command("send-reminders")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Count working days up to this date (YYYY-MM-DD) instead of today in England.")
@with_appcontext
def send_reminders_command(today):
    """Queue reminders for referrals with no reply within their service's target (working days), tell the key
    worker, and tell administrators at twice the target. Safe to run every hour, on several servers at once:
    each email is queued once. Run send-notifications to deliver them."""
    day: date | None = today.date() if today else None
    with get_database(current_app).session_factory() as session:
        summary = send_reminders(session, day)
    click.echo(summary.line())


def init_app(app) -> None:
    app.cli.add_command(send_reminders_command)
