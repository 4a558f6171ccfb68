"""Make people for tests and sign them in through the real sign-in page."""

import uuid

from sqlmodel import Session, select

from directory import people
from directory.accounts import create_user
from directory.models import District, Service, User

PASSWORD = "correct horse battery staple"


def make_user(session: Session, roles: list[str], name: str | None = None, districts: list[str] = (),
              services: list[str] = (), caseload_limit: int | None = None) -> User:
    name = name or f"Person {uuid.uuid4().hex[:6]}"
    user = create_user(session, f"{uuid.uuid4().hex[:10]}@example.org", name, roles, PASSWORD)
    user.caseload_limit = caseload_limit
    district_ids = [str(session.exec(select(District.id).where(District.slug == d)).one()) for d in districts]
    service_ids = [str(session.exec(select(Service.id).where(Service.slug == s)).one()) for s in services]
    people.set_work(session, user, district_ids, service_ids)
    session.commit()
    return user


def sign_in(client, user: User) -> None:
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
