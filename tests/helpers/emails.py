"""Read what the site queued in the email outbox."""

import re

from sqlmodel import Session, select

from directory.models import OutboxMessage


def emails_to(session: Session, to: str) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.to_address == to)
                             .order_by(OutboxMessage.created_at)))


def latest_link(session: Session, to: str, site: str = "http://localhost") -> str:
    """The path of the link in the newest email to this address (links start with the configured SITE_URL)."""
    body = emails_to(session, to)[-1].body_text
    return re.search(re.escape(site) + r"(/\S+)", body).group(1)
