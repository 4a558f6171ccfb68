"""Write to the append-only audit log: who, what, to which object, when; field names only, never values."""

import uuid

from sqlmodel import Session

from directory.models import AuditEntry


def record(session: Session, user_id: uuid.UUID | None, action: str, object_type: str,
           object_id: uuid.UUID | None, **detail) -> None:
    session.add(AuditEntry(user_id=user_id, action=action, object_type=object_type, object_id=object_id,
                           detail=detail))
