"""`flask send-notifications`: deliver the outbox, say what happened, and fail while anything could not be sent."""

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from directory.db import get_database
from directory.notify import deliver
from directory.notify.smtp import SmtpConfigError, SmtpSettings


@click.command("send-notifications")
@click.option("--retry-failed", is_flag=True,
              help="First put every failed message back in the queue (attempts from 0), then send.")
@with_appcontext
def send_notifications_command(retry_failed: bool):
    """Deliver the emails waiting in the outbox over SMTP (SMTP_* settings and MAIL_FROM).

    Exits with status 1 while any message is failed, or if an attempt failed in this run."""
    try:
        settings = SmtpSettings.from_config(current_app.config)
    except SmtpConfigError as error:
        raise click.ClickException(str(error)) from None
    with get_database(current_app).session_factory() as session:
        if retry_failed:
            count = deliver.retry_failed(session)
            click.echo(f"{count} failed email(s) put back in the queue.")
        result = deliver.deliver(session, settings)
    click.echo(f"Sent {result.sent} email(s).")
    if result.retrying:
        click.echo(f"{result.retrying} could not be sent and will be tried again later.", err=True)
    if result.newly_failed:
        click.echo(f"{result.newly_failed} could not be sent after {deliver.MAX_ATTEMPTS} attempts and failed.",
                   err=True)
    if result.waiting:
        click.echo(f"{result.waiting} email(s) are waiting for a later attempt.")
    if result.failed_total:
        click.echo(f"{result.failed_total} failed email(s) in all are kept in the outbox: fix the problem (see "
                   "last_error), then run send-notifications --retry-failed.", err=True)
    if not result.ok:
        sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(send_notifications_command)
