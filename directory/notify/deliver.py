"""Deliver the outbox: claim messages so that each goes out through one sender only, send them, record the outcome.

A sender claims a batch in one short transaction: the candidates are queued, due (`next_attempt_at` has come)
and not held by a live lease. On PostgreSQL they are read with SELECT ... FOR UPDATE SKIP LOCKED, so two senders
read different rows; on SQLite the transaction begins IMMEDIATE, so claimers take turns. The claim writes the
sender's id and a lease (`claimed_until`) and commits. Before each message goes out its lease is renewed by a
conditional update that succeeds only while the sender still holds it; the outcome is written by another
conditional update on (id, claimed_by). A sender that dies loses its messages when their leases run out.
"""

import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from directory.db import begin_write
from directory.models import OutboxMessage
from directory.models.accounts import utcnow
from directory.notify.smtp import SEND_ERRORS, Outgoing, SmtpChannel, SmtpSettings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Wait after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failure makes the message failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(minutes=120))
# How long a claim holds. Renewed before each message, so it only has to outlast one message's SMTP exchange.
LEASE = timedelta(minutes=5)
BATCH_SIZE = 50


@dataclass
class DeliveryResult:
    sent: int = 0
    # Attempts that failed this run and will be made again later.
    retrying: int = 0
    # Messages whose last attempt failed this run: now failed.
    newly_failed: int = 0
    # Every failed message, waiting for `send-notifications --retry-failed`.
    failed_total: int = 0
    # Queued messages not yet due (waiting for their next attempt), after this run.
    waiting: int = 0

    @property
    def ok(self) -> bool:
        return not (self.retrying or self.newly_failed or self.failed_total)


def new_sender_id() -> str:
    """Unique to one run of one process on one machine (fits claimed_by, 64 characters)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def backoff(attempts: int) -> timedelta:
    """The wait after `attempts` failed attempts (1 to MAX_ATTEMPTS - 1)."""
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def _claimable(now: datetime):
    return (OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now))


def claim_batch(session: Session, sender: str, now: datetime, limit: int = BATCH_SIZE) -> list[tuple[Outgoing, int]]:
    """Claim up to `limit` due messages for `sender` and commit; what it claimed (each with its attempts so far),
    oldest due first."""
    begin_write(session)
    ids = list(session.exec(
        select(OutboxMessage.id).where(*_claimable(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.created_at).limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has no row locks and began IMMEDIATE instead
    ))
    if not ids:
        session.rollback()
        return []
    session.exec(update(OutboxMessage).where(OutboxMessage.id.in_(ids), *_claimable(now))
                 .values(claimed_by=sender, claimed_until=now + LEASE).execution_options(synchronize_session=False))
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == sender)
                        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.created_at)
                        .execution_options(populate_existing=True)).all()
    # A snapshot: from here on the rows change only through conditional updates.
    claimed = [(Outgoing(id=row.id, to_address=row.to_address, subject=row.subject, body_text=row.body_text,
                         body_html=row.body_html, created_at=row.created_at), row.attempts) for row in rows]
    session.commit()
    return claimed


def _mine(message_id, sender: str):
    return update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == sender,
                                       OutboxMessage.status == "queued")


def _write(session: Session, statement) -> int:
    begin_write(session)
    changed = session.exec(statement.execution_options(synchronize_session=False)).rowcount
    session.commit()
    return changed


def _renew(session: Session, message_id, sender: str, now: datetime) -> bool:
    """Still ours? Then hold it for another lease while it is sent."""
    return _write(session, _mine(message_id, sender).values(claimed_until=now + LEASE)) == 1


def _mark_sent(session: Session, message_id, sender: str, now: datetime) -> bool:
    """Sent: the body goes (a link in it must not stay usable in the database); subject and recipient stay."""
    return _write(session, _mine(message_id, sender).values(
        status="sent", sent_at=now, attempts=OutboxMessage.attempts + 1, body_text=None, body_html=None,
        redacted_at=now, claimed_by=None, claimed_until=None)) == 1


def _mark_attempt_failed(session: Session, message_id, attempts_before: int, sender: str, now: datetime,
                         error: BaseException) -> str:
    """'retrying' or 'failed' (or 'lost' if the claim had gone). Only the error's class is kept: its message can
    quote an address."""
    attempts = attempts_before + 1
    values = {"attempts": attempts, "last_error": type(error).__name__, "claimed_by": None, "claimed_until": None}
    if attempts >= MAX_ATTEMPTS:
        values.update(status="failed", failed_at=now)
        outcome = "failed"
    else:
        values.update(next_attempt_at=now + backoff(attempts))
        outcome = "retrying"
    return outcome if _write(session, _mine(message_id, sender).values(**values)) == 1 else "lost"


def deliver(session: Session, settings: SmtpSettings, now: datetime | None = None,
            sender: str | None = None, batch_size: int = BATCH_SIZE) -> DeliveryResult:
    """Send every claimable message, a batch at a time over one SMTP connection, until none is left. `now` fixes
    the clock (tests); by default each step reads it. Ends whatever the session had begun, and commits as it
    goes: each outcome is written as soon as it is known."""
    sender = sender or new_sender_id()
    clock = (lambda: now) if now is not None else utcnow
    result = DeliveryResult()
    with SmtpChannel(settings) as channel:
        while batch := claim_batch(session, sender, clock(), batch_size):
            _send_batch(session, channel, batch, sender, clock, result)
    result.failed_total, result.waiting = counts(session)
    session.rollback()
    log.info("outbox: %d sent, %d to retry, %d newly failed, %d failed in all", result.sent, result.retrying,
             result.newly_failed, result.failed_total)
    return result


def _send_batch(session: Session, channel: SmtpChannel, batch: list[tuple[Outgoing, int]], sender: str,
                clock: Callable[[], datetime], result: DeliveryResult) -> None:
    unreachable: BaseException | None = None
    for message, attempts in batch:
        if unreachable is not None:
            # The server could not be reached: the rest of the batch counts an attempt that failed the same way
            # (so that it waits its backoff), without trying again now.
            failure = unreachable
        elif not _renew(session, message.id, sender, clock()):
            log.warning("outbox message %s: claim lost before sending", message.id)
            continue
        else:
            try:
                channel.send(message)
            except SEND_ERRORS as error:
                failure = error
                if channel.unreachable:
                    unreachable = error
            else:
                if not _mark_sent(session, message.id, sender, clock()):
                    log.error("outbox message %s was sent but its claim had run out", message.id)
                result.sent += 1
                continue
        outcome = _mark_attempt_failed(session, message.id, attempts, sender, clock(), failure)
        result.retrying += outcome == "retrying"
        result.newly_failed += outcome == "failed"
    if unreachable is not None:
        channel.reset()


def counts(session: Session) -> tuple[int, int]:
    """(failed messages, queued messages) in the outbox."""
    rows = dict(session.exec(select(OutboxMessage.status, func.count()).where(
        OutboxMessage.status.in_(("failed", "queued"))).group_by(OutboxMessage.status)).all())
    return rows.get("failed", 0), rows.get("queued", 0)


def retry_failed(session: Session, now: datetime | None = None) -> int:
    """Put every failed message back in the queue, due at once, with its attempts counted from 0. Commits;
    returns how many."""
    now = now or utcnow()
    return _write(session, update(OutboxMessage).where(OutboxMessage.status == "failed").values(
        status="queued", attempts=0, next_attempt_at=now, failed_at=None, claimed_by=None, claimed_until=None))
