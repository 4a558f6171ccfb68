"""Write to the append-only audit log: who, what, to which object, when and from where; field names only, never
values. There is no way here (or anywhere in the application) to change or delete an entry; retention deletes
entries past their period, which the PostgreSQL trigger allows."""

import uuid
from contextvars import ContextVar

from sqlmodel import Session

from directory.models import AuditEntry

# Set by the web layer for each request (directory/web/audit_context.py); None for commands.
_client_address: ContextVar[str | None] = ContextVar("audit_client_address", default=None)


def set_client_address(address: str | None):
    """Entries written from now in this context carry this address; returns a token for `reset_client_address`."""
    return _client_address.set(address)


def reset_client_address(token) -> None:
    _client_address.reset(token)


def record(session: Session, user_id: uuid.UUID | None, action: str, object_type: str,
           object_id: uuid.UUID | None, *, record_id: uuid.UUID | None = None, reason: str | None = None,
           **detail) -> None:
    """Add an entry to the caller's transaction. `record_id` is the family record it concerns (an entry about a
    family record concerns that record); `reason` is free text someone gave, stored encrypted."""
    if record_id is None and object_type == "family_record":
        record_id = object_id
    session.add(AuditEntry(user_id=user_id, action=action, object_type=object_type, object_id=object_id,
                           record_id=record_id, client_address=_client_address.get(), detail=detail,
                           reason=reason))
