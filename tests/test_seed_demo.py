"""seed --demo: an account for every role with a known password, example.org referral addresses, the same result
however often it runs, and never in production."""

from sqlmodel import select

from directory.accounts import authenticate, user_roles
from directory.models import District, Service, stable_id
from directory.models.accounts import ROLES, KeyWorkerArea, ServiceMembership, User
from directory.seed import demo
from tests.helpers.databases import dump


def test_demo_creates_every_role_attached_to_its_work(runner, db_session):
    result = runner.invoke(args=["seed", "--commit", "--demo"])
    assert result.exit_code == 0, result.output
    assert f"password: {demo.DEMO_PASSWORD}" in result.output
    assert "/sign-in" in result.output

    users = db_session.exec(select(User).where(User.email.like("%@example.org"))).all()
    roles = {role for user in users for role in user_roles(db_session, user)}
    assert roles == set(ROLES)
    for user in users:
        assert user.email in result.output
        assert authenticate(db_session, user.email, demo.DEMO_PASSWORD) == user

    for district in db_session.exec(select(District)):
        key_worker = db_session.exec(
            select(User).where(User.email == f"keyworker.{district.slug}@example.org")).one()
        assert db_session.get(KeyWorkerArea, (key_worker.id, district.id))
    tamworth = db_session.exec(select(User).where(User.email == "keyworker.tamworth@example.org")).one()
    assert user_roles(db_session, tamworth) == {"key_worker"}

    led = set(db_session.exec(select(ServiceMembership.service_id)))
    assert led == {stable_id("service", s) for s in demo.LEAD_SERVICES}
    with_address = {s.id for s in db_session.exec(select(Service).where(Service.referral_email.is_not(None)))}
    assert led < with_address
    for service_id in with_address:
        service = db_session.get(Service, service_id)
        assert service.referral_email.endswith("@example.org")
        assert service.referral_method == "site"


def test_demo_twice_changes_nothing(runner, db_session):
    assert runner.invoke(args=["seed", "--commit", "--demo"]).exit_code == 0
    before = dump(db_session)
    again = runner.invoke(args=["seed", "--commit", "--demo"])
    assert again.exit_code == 0, again.output
    assert "No changes" in again.output and "(0 new)" in again.output
    assert dump(db_session) == before


def test_demo_dry_run_writes_nothing(runner, db_session):
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was written" in result.output
    assert db_session.exec(select(User).where(User.email == "admin@example.org")).first() is None


def test_demo_is_refused_in_production(app, runner, db_session):
    app.config["APP_ENV"] = "production"
    before = dump(db_session)
    result = runner.invoke(args=["seed", "--commit", "--demo"])
    assert result.exit_code != 0
    assert "not allowed when APP_ENV is 'production'" in result.output
    assert dump(db_session) == before
