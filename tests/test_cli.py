"""Commands: create and reset the database, create users."""

from sqlalchemy import inspect
from sqlmodel import Session, select

from directory import migrate
from directory.accounts import user_roles
from directory.models import Service, User
from directory.passwords import verify


def test_db_upgrade_creates_every_table(fresh_app):
    engine = fresh_app.extensions["db"].engine
    result = fresh_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    tables = set(inspect(engine).get_table_names())
    assert {"service", "organisation", "district", "outward_code", "taxonomy_term", "user_account"} <= tables
    again = fresh_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert again.exit_code == 0 and "up to date" in again.output


def test_db_reset_needs_an_explicit_flag(fresh_app):
    engine = fresh_app.extensions["db"].engine
    migrate.upgrade(engine)
    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["seed", "--commit"]).exit_code == 0
    refused = runner.invoke(args=["db", "reset"])
    assert refused.exit_code == 2
    assert "--yes-delete-everything" in refused.output
    with Session(engine) as session:
        assert len(session.exec(select(Service)).all()) >= 45
    done = runner.invoke(args=["db", "reset", "--yes-delete-everything"])
    assert done.exit_code == 0, done.output
    with Session(engine) as session:
        assert session.exec(select(Service)).all() == []


def test_create_user_with_prompted_password(runner, db_session):
    result = runner.invoke(
        args=["create-user", "Key.Worker@Example.org", "--name", "Kim Worker", "--role", "key_worker",
              "--role", "admin"],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = db_session.exec(select(User).where(User.email == "key.worker@example.org")).one()
    assert user.name == "Kim Worker"
    assert user_roles(db_session, user) == {"key_worker", "admin"}
    assert user.password_hash.startswith("$argon2")
    assert verify(user.password_hash, "a long enough password")
    assert not verify(user.password_hash, "the wrong password")


def test_create_user_refuses_duplicates_short_passwords_and_unknown_roles(runner, db_session):
    args = ["create-user", "lead@example.org", "--name", "Lee Lead", "--role", "service_lead"]
    assert runner.invoke(args=[*args, "--password", "long enough password"]).exit_code == 0
    duplicate = runner.invoke(args=[*args, "--password", "long enough password"])
    assert duplicate.exit_code == 1 and "There is already an account for lead@example.org" in duplicate.output
    short = runner.invoke(
        args=["create-user", "b@example.org", "--name", "B", "--role", "admin", "--password", "short"]
    )
    assert short.exit_code == 1 and "Password must be 12 characters or more" in short.output
    bad_role = runner.invoke(args=["create-user", "c@example.org", "--name", "C", "--role", "wizard", "--no-password"])
    assert bad_role.exit_code == 2
    bad_email = runner.invoke(args=["create-user", "not-an-email", "--name", "D", "--role", "admin", "--no-password"])
    assert bad_email.exit_code == 1 and "Enter an email address in the correct format" in bad_email.output
    emails = set(db_session.exec(select(User.email)))
    assert emails == {"lead@example.org"}


def test_create_user_with_an_emailed_invitation(runner, db_session, app):
    from directory.models import OutboxMessage

    app.config["SITE_URL"] = "https://send.example.org"
    result = runner.invoke(args=["create-user", "lead@example.org", "--name", "Lee", "--role", "service_lead",
                                 "--invite"])
    assert result.exit_code == 0, result.output
    user = db_session.exec(select(User).where(User.email == "lead@example.org")).one()
    assert user.password_hash is None
    message = db_session.exec(select(OutboxMessage).where(OutboxMessage.to_address == "lead@example.org")).one()
    assert "https://send.example.org/accept-invitation/" in message.body_text
