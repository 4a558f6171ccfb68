"""A real SMTP server on this machine (aiosmtpd) that keeps what it receives: optionally with STARTTLS, AUTH LOGIN,
and replies that refuse the next messages."""

import datetime
import ipaddress
import socket
import ssl
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_string
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    """One DATA command the server answered (accepted or refused)."""

    recipients: list[str]
    content: str
    accepted: bool
    tls: bool
    # The user name that authenticated on this connection, if any.
    login: str | None

    @property
    def message_id(self) -> str | None:
        return message_from_string(self.content)["Message-ID"]


class Inbox:
    def __init__(self):
        # (recipients, content) of every accepted message.
        self.messages = []
        self.received: list[Received] = []
        self.logins: list[tuple[str, str]] = []  # (mechanism, user name) of each successful AUTH
        self._refusals: list[str] = []
        self._lock = threading.Lock()

    def refuse_next(self, *replies: str) -> None:
        """Answer the next DATA commands with these replies (e.g. "451 4.3.0 Try again later"; a 421 makes the
        client close the connection)."""
        with self._lock:
            self._refusals.extend(replies)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        content = envelope.content.decode()
        with self._lock:
            reply = self._refusals.pop(0) if self._refusals else None
            login = session.auth_data if session.authenticated else None
            self.received.append(Received(list(envelope.rcpt_tos), content, reply is None, session.ssl is not None,
                                          login))
            if reply is None:
                self.messages.append((envelope.rcpt_tos, content))
        return reply or "250 OK"

    def to(self, address: str) -> list[str]:
        return [content for recipients, content in self.messages if address in recipients]

    def message_ids(self) -> list[str]:
        """The Message-ID of every accepted message, repeats included."""
        return [message_from_string(content)["Message-ID"] for _, content in self.messages]


class Authenticator:
    """Accepts one user name and password."""

    def __init__(self, inbox: Inbox, username: str, password: str):
        self.inbox, self.username, self.password = inbox, username, password

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.username \
                and auth_data.password.decode() == self.password:
            self.inbox.logins.append((mechanism, self.username))
            return AuthResult(success=True, auth_data=self.username)
        return AuthResult(success=False, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key: (certificate path, key path). The certificate is
    its own authority: a client that trusts the file trusts the server."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test SMTP server")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@contextmanager
def running_smtp_server(port: int | None = None, certificate: tuple[Path, Path] | None = None,
                        login: tuple[str, str] | None = None):
    """Yields (port, inbox) for a mail server listening on 127.0.0.1. With `certificate` (paths of a certificate
    and its key) the server offers STARTTLS and requires it; with `login` (user name, password) it requires AUTH
    and offers only the LOGIN mechanism."""
    inbox = Inbox()
    options = {}
    if certificate:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*certificate)
        options.update(tls_context=context, require_starttls=True)
    if login:
        options.update(authenticator=Authenticator(inbox, *login), auth_required=True,
                       auth_exclude_mechanism=["PLAIN"])
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port(), **options)
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()
