"""The SMTP channel: one connection for a batch of emails, STARTTLS and AUTH when configured, stable headers."""

import smtplib
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

# What a failed attempt raises: the server refused, the connection failed or dropped, or a value cannot be sent.
SEND_ERRORS = (smtplib.SMTPException, OSError, ValueError)


class SmtpConfigError(ValueError):
    """Settings that must not be used to send."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    mail_from: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0
    ca_file: str | None = None

    @classmethod
    def from_config(cls, config: Mapping) -> "SmtpSettings":
        settings = cls(host=config["SMTP_HOST"], port=int(config["SMTP_PORT"]), mail_from=config["MAIL_FROM"],
                       starttls=bool(config.get("SMTP_STARTTLS")), username=config.get("SMTP_USERNAME"),
                       password=config.get("SMTP_PASSWORD"), timeout=float(config.get("SMTP_TIMEOUT", 10)),
                       ca_file=config.get("SMTP_CA_FILE"))
        if settings.username and not settings.starttls:
            raise SmtpConfigError("SMTP_USERNAME is set but SMTP_STARTTLS is not: a password is only sent over "
                                  "STARTTLS. Set SMTP_STARTTLS=1.")
        if not sender_address(settings.mail_from):
            raise SmtpConfigError(f"MAIL_FROM must hold an email address, not {settings.mail_from!r}")
        return settings

    @property
    def envelope_from(self) -> str:
        return sender_address(self.mail_from)

    @property
    def domain(self) -> str:
        return self.envelope_from.rpartition("@")[2] or "localhost"


def sender_address(mail_from: str) -> str:
    """The address in `Name <address>` or a bare address; empty if there is none."""
    address = parseaddr(mail_from)[1]
    return address if "@" in address else ""


@dataclass(frozen=True)
class Outgoing:
    """What a channel needs to send one outbox message."""

    id: uuid.UUID
    to_address: str
    subject: str
    body_text: str | None
    body_html: str | None
    created_at: datetime


def build_email(message: Outgoing, settings: SmtpSettings) -> EmailMessage:
    """The same bytes on every attempt: Date is when the message was queued, and the Message-ID comes from its id,
    so a copy that arrives twice after a dropped connection is recognisable as one message."""
    if message.body_text is None:
        raise ValueError("the message has no body")
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at.astimezone(UTC))
    email["Message-ID"] = f"<{message.id}@{settings.domain}>"
    # Sent by a machine: out-of-office replies should not answer it (RFC 3834).
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


class SmtpChannel:
    """Sends over one connection, opened on the first message. A connection that fails or drops is closed and
    the next message opens a new one; once connecting itself has failed, `unreachable` is set so that the caller
    can stop trying this batch."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self.unreachable = False

    def __enter__(self) -> "SmtpChannel":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _tls_context(self) -> ssl.SSLContext:
        # Certificate and host name are checked; SMTP_CA_FILE replaces the system's authorities.
        return ssl.create_default_context(cafile=self.settings.ca_file)

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            smtp.ehlo()
            if settings.starttls:
                # Raises if the server does not offer STARTTLS: never fall back to sending in the clear.
                smtp.starttls(context=self._tls_context())
                smtp.ehlo()
            if settings.username:
                smtp.login(settings.username, settings.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: Outgoing) -> None:
        email = build_email(message, self.settings)
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except SEND_ERRORS:
                self.unreachable = True
                raise
        try:
            self._smtp.send_message(email, from_addr=self.settings.envelope_from, to_addrs=[message.to_address])
        except SEND_ERRORS as error:
            # smtplib resets the transaction after a refusal and closes the socket after a 421; anything else
            # (a timeout, a dropped connection) leaves the connection in an unknown state.
            if not isinstance(error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused) \
                    or self._smtp.sock is None:
                self.close()
            raise

    def reset(self) -> None:
        """Close the connection and forget that the server was unreachable: the next message tries again."""
        self.close()
        self.unreachable = False

    def close(self) -> None:
        if self._smtp is None:
            return
        smtp, self._smtp = self._smtp, None
        try:
            smtp.quit()
        except SEND_ERRORS:
            smtp.close()
