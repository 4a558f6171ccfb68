"""Queue an email in the outbox, in the same transaction as the change that causes it."""

from flask import current_app, has_app_context
from sqlmodel import Session

from directory.config import DEVELOPMENT_SITE_URL, Config
from directory.models import OutboxMessage
from directory.notify.templates import render


def _site_url() -> str:
    """The configured site address. Outside an app (a script, a test of the domain code) the value an app would
    have: SITE_URL from the environment, else the development address."""
    if has_app_context():
        return current_app.config["SITE_URL"]
    return (Config.SITE_URL or DEVELOPMENT_SITE_URL).rstrip("/")


def queue(session: Session, to_address: str, template: str, /, **context) -> OutboxMessage:
    """Render templates/emails/<template> with `context` (plus `site_url`) and add the message to the session;
    it is sent only if the caller's transaction commits. Pass what the email needs to say what happened (names of
    the recipient or a key worker, links): never a child's name, a condition or a diagnosis."""
    email = render(template, **{"site_url": _site_url(), **context})
    message = OutboxMessage(template=template, to_address=to_address, subject=email.subject, body_text=email.text,
                            body_html=email.html)
    session.add(message)
    return message
