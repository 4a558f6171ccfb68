"""Flask commands: create or upgrade the database, seed it, and create users."""

import sys
from pathlib import Path

import click
from flask import Flask, current_app, url_for
from flask.cli import AppGroup, with_appcontext

from directory import migrate
from directory.accounts import AccountError, create_user
from directory.db import get_database
from directory.key_rotation import rotate_keys_command
from directory.listings import freshness_command
from directory.models.accounts import ROLES
from directory.notify import commands as notify_commands
from directory.oruk.import_command import import_oruk_command
from directory.referrals import reminders_command
from directory.retention_command import retention_command
from directory.seed import SeedError, apply_seed, load_seed
from directory.seed import demo as demo_data

db_cli = AppGroup("db", help="Create, upgrade or reset the database.")


def _engine():
    return get_database(current_app).engine


def _session():
    return get_database(current_app).session_factory()


@db_cli.command("upgrade")
def db_upgrade():
    """Create the database tables, or bring them up to date."""
    migrate.upgrade(_engine())
    click.echo("Database is up to date.")


@db_cli.command("reset")
@click.option("--yes-delete-everything", is_flag=True, help="Confirm that every row in the database may be lost.")
def db_reset(yes_delete_everything: bool):
    """Drop every table and create them again, empty."""
    if not yes_delete_everything:
        raise click.UsageError("This deletes everything in the database. Add --yes-delete-everything to go ahead.")
    migrate.downgrade_to_empty(_engine())
    migrate.upgrade(_engine())
    click.echo("Database reset: every table is empty.")


@click.command("seed")
@with_appcontext
@click.option("--path", type=click.Path(file_okay=False), default=None, help="Folder with the seed JSON files.")
@click.option("--commit", is_flag=True, help="Write the changes. Without it, only report what would change.")
@click.option("--demo", is_flag=True, help="Also add demo accounts for every role and example.org referral "
                                           "addresses (development only).")
@click.option("--replace-thesaurus", is_flag=True, help="Replace the search thesaurus with thesaurus.json, losing "
                                                        "admins' edits (without it, only an empty one is seeded).")
def seed_command(path: str | None, commit: bool, demo: bool, replace_thesaurus: bool):
    """Load the directory from the seed files (a dry run unless --commit)."""
    if demo:
        try:
            demo_data.refuse_in_production(current_app.config)
        except demo_data.DemoRefused as error:
            raise click.ClickException(str(error)) from None
    folder = path or current_app.config["SEED_PATH"]
    try:
        data = load_seed(folder)
    except SeedError as error:
        click.echo(f"The seed files in {folder} have {len(error.problems)} problem(s); nothing was changed:", err=True)
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    if demo:
        demo_data.add_referral_addresses(data)
    with _session() as session:
        report = apply_seed(session, data, replace_thesaurus=replace_thesaurus)
        accounts = demo_data.create_accounts(session) if demo else None
        if commit:
            session.commit()
        else:
            session.rollback()
    for line in report.lines():
        click.echo(line)
    if accounts:
        with current_app.test_request_context():
            sign_in = url_for("account.sign_in")
        for line in accounts.lines(sign_in):
            click.echo(line)
    if not commit and (report.changes or (accounts and accounts.created)):
        click.echo("Dry run: nothing was written. Run again with --commit to write these changes.")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES), help="Repeat for several.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              prompt_required=False, default=None, help="Prompted for when given without a value.")
@click.option("--no-password", is_flag=True, help="Create the account without a password.")
@click.option("--invite", is_flag=True, help="No password: email an invitation link to choose one (SITE_URL).")
def create_user_command(email: str, name: str, roles: tuple[str, ...], password: str | None, no_password: bool,
                        invite: bool):
    """Create a user who can sign in."""
    from directory.account_links import invite_user
    from directory.links import site_url

    if not (no_password or invite) and password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session() as session:
        try:
            if invite:
                user = invite_user(session, email, name, list(roles),
                                   lambda token: site_url("account.accept_invitation", token=token))
            else:
                user = create_user(session, email, name, list(roles), None if no_password else password)
        except AccountError as error:
            raise click.ClickException(str(error)) from None
        session.commit()
        click.echo(f"Created {user.email} with role(s): {', '.join(sorted(roles))}.")
        if invite:
            click.echo("An invitation is waiting in the outbox: run send-notifications to email it.")




search_cli = AppGroup("search", help="Build, check and score the search index.")


@search_cli.command("rebuild")
def search_rebuild():
    """Build the whole index again in a new folder, then swap it in."""
    from directory.search import sync as search_sync

    with _session() as session:
        count = search_sync.rebuild(search_sync.get_index(current_app), session)
    click.echo(f"Search index rebuilt with {count} services.")


@search_cli.command("follow")
@click.option("--once", is_flag=True, help="Apply the changes there are now, then stop.")
@click.option("--interval", type=click.FloatRange(min=0.01), default=0.2, show_default=True,
              help="Seconds between two reads of the change feed.")
def search_follow_command(once: bool, interval: float):
    """Keep this server's index following the database's search changes (one per index folder; SEARCH_FOLLOWER=1
    on the web servers). Runs until stopped (SIGTERM or Ctrl-C), finishing the change it is applying."""
    import logging
    import signal
    import threading

    from directory.search import SearchUnavailable
    from directory.search.follow import SearchFollower

    # Its log says what it applied and how long it took (counts only): shown at INFO through the app's handler.
    current_app.logger.handlers  # noqa: B018 - the app's logger installs its handler when first used
    logging.getLogger("directory.search.follow").setLevel(logging.INFO)
    follower = SearchFollower.for_app(current_app)
    try:
        follower.start()
        if once:
            applied = follower.poll()
            click.echo(f"Applied {applied.changes} search change(s)"
                       + (" with a whole rebuild." if applied.rebuilt else f" to {applied.services} service(s)."))
            return
    except SearchUnavailable as error:
        raise click.ClickException(str(error)) from None
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    click.echo(f"Following the search changes into {follower.index.root} every {interval} s.")
    follower.run(interval, stop)
    click.echo("Stopped.")


@search_cli.command("check")
@click.option("--repair", is_flag=True, help="Add what is missing from the index, write again the documents of an "
              "older listing revision, and remove what should not be there.")
def search_check(repair: bool):
    """Compare the services in the database, and their latest listing revisions, with the index's documents."""
    from directory.search import SearchUnavailable
    from directory.search import sync as search_sync

    index = search_sync.get_index(current_app)
    with _session() as session:
        try:
            report = search_sync.check(index, session)
        except SearchUnavailable as error:
            raise click.ClickException(str(error)) from None
        if report.ok:
            click.echo("The search index matches the database.")
            return
        if report.old_schema:
            click.echo("The search index was built before its documents had every field they have now: "
                       "it must be built again.")
        click.echo(f"{len(report.missing)} service(s) missing from the index, {len(report.stale)} of an older "
                   f"listing revision, {len(report.extra)} in the index that should not be.")
        for service_id in sorted(report.missing):
            click.echo(f"  missing: {service_id}")
        for service_id in sorted(report.stale):
            click.echo(f"  stale:   {service_id}")
        for service_id in sorted(report.extra):
            click.echo(f"  extra:   {service_id}")
        if repair:
            search_sync.repair(index, session, report)
            click.echo("Repaired: the search index now matches the database.")
        else:
            click.echo("Run again with --repair to fix it.")
            sys.exit(1)


_EVAL = Path(__file__).resolve().parent.parent / "tests" / "search_eval"


@search_cli.command("quality")
@click.option("--tuned", "tuned_path", type=click.Path(dir_okay=False), default=str(_EVAL / "tuned.json"),
              show_default=True, help="The judged queries the search is tuned on.")
@click.option("--held-out", "held_out_path", type=click.Path(dir_okay=False),
              default=str(_EVAL / "held_out.json"), show_default=True,
              help="The held-out judged queries (only their totals are printed).")
@click.option("--failures", "show_failures", is_flag=True,
              help="Also list each tuned query whose first wanted service is not in the first five.")
def search_quality_command(tuned_path: str, held_out_path: str, show_failures: bool):
    """Score the search (and a naive BM25 baseline) on the judged queries: success@5, MRR and nDCG@10."""
    from directory.search import SearchUnavailable, quality
    from directory.search import sync as search_sync

    try:
        parts = [("tuned", quality.read_judged(tuned_path)), ("held-out", quality.read_judged(held_out_path))]
    except quality.JudgedFileError as error:
        raise click.ClickException(str(error)) from None
    index = search_sync.get_index(current_app)
    with _session() as session:
        slugs = set(quality.service_slugs(session).values())
        for name, queries in parts:
            unknown = quality.unknown_services(queries, slugs)
            if unknown:
                # Names the unknown services, never the queries (the held-out part stays unseen).
                raise click.ClickException(f"The {name} queries judge services the database does not have: "
                                           + ", ".join(sorted(unknown)))
        try:
            product = quality.product_search(session, index)
            baseline = quality.Baseline.from_database(session)
            rows, tuned_rankings = [], None
            for name, queries in parts:
                rankings = quality.run(queries, product)
                if name == "tuned":
                    tuned_rankings = rankings
                rows.append((name, "product", quality.score(queries, rankings)))
                rows.append((name, "baseline", quality.score(queries, quality.run(queries, baseline.search))))
        except SearchUnavailable as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"{'part':<10} {'search':<10} {'queries':>7} {'success@5':>10} {'MRR':>6} {'nDCG@10':>8}")
    for part, search, scores in rows:
        click.echo(f"{part:<10} {search:<10} {scores.queries:>7} {scores.success_at_5:>10.3f} "
                   f"{scores.mrr:>6.3f} {scores.ndcg_at_10:>8.3f}")
    click.echo("success@5: a wanted (grade 2) service in the first 5; MRR: 1/rank of the first wanted service, "
               "0 if not in the first 10; nDCG@10: gain 2^grade - 1, log2 discount.")
    if show_failures:
        missed = quality.failures(parts[0][1], tuned_rankings)
        click.echo(f"\nTuned queries without a wanted service in the first five: {len(missed)}")
        for failure in missed:
            where = f"first wanted at {failure.rank}" if failure.rank else "no wanted service in the first 10"
            first = ", ".join(failure.first) if failure.first else "nothing found"
            click.echo(f"  {failure.query!r}: {where}; first: {first}")


@search_cli.command("learn")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="Where to write the model (default: SEARCH_MODEL_PATH).")
@click.argument("judged", nargs=-1, type=click.Path(dir_okay=False, exists=True))
def search_learn_command(output: str | None, judged: tuple[str, ...]):
    """Learn what people typing words like these want from judged searches (default: the sets the search is tuned
    on, never the held-out part or the sets kept unseen), and write the model the search reads."""
    from directory.search import learned, learning, quality
    from directory.search import sync as search_sync

    try:
        files = [(Path(path).stem, Path(path)) for path in judged] or learning.training_files(_EVAL)
        learning.check_trainable(name for name, _path in files)
        parts = [(name, quality.read_judged(path)) for name, path in files]
    except (ValueError, quality.JudgedFileError) as error:
        raise click.ClickException(str(error)) from None
    try:
        model = learning.train([query for _name, queries in parts for query in queries],
                               search_sync.get_index(current_app).synonyms,
                               [(name, len(queries)) for name, queries in parts])
    except ImportError:
        raise click.ClickException("Learning needs scikit-learn: pip install -e '.[learn]'") from None
    target = Path(output or current_app.config["SEARCH_MODEL_PATH"])
    target.write_text(learned.dumps(model), encoding="utf-8")
    click.echo(f"Learned from {sum(len(queries) for _name, queries in parts)} judged searches in {len(parts)} "
               f"sets: {len(model['services'])} services, {len(model['features'])} concepts, word stems and pairs. "
               f"Written to {target}.")


@click.command("import-services")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change, writing nothing.")
@with_appcontext
def import_services_command(path: str, dry_run: bool):
    """Import organisations, locations, services and relations from a JSON file (all or nothing)."""
    from directory.seed import SeedError, apply_services, load_services_file
    from directory.seed.known import known_from_database

    with _session() as session:
        try:
            document = load_services_file(path, known_from_database(session))
        except SeedError as error:
            click.echo(f"{path} has {len(error.problems)} problem(s); nothing was imported:", err=True)
            for problem in error.problems:
                click.echo(f"  - {problem}", err=True)
            sys.exit(1)
        report = apply_services(session, document)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    for line in report.lines():
        click.echo(line)
    if dry_run and report.changes:
        click.echo("Dry run: nothing was written.")


@click.command("export-services")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_services_command(path: str):
    """Write every organisation, location and service in the import format."""
    import json

    from directory.seed.export import export_services

    with _session() as session:
        document = export_services(session)
    with open(path, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=2, ensure_ascii=False)
        file.write("\n")
    click.echo(f"Exported {len(document['services'])} services to {path}.")


@click.command("route")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def route_command(path: str):
    """Print, as JSON, every active service's outcome for the family record in PATH."""
    import json

    from directory.routing import RecordError, as_json, route_record

    try:
        with open(path, encoding="utf-8") as file:
            record = json.load(file)
    except FileNotFoundError:
        raise click.ClickException(f"{path}: file not found") from None
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{path}: line {error.lineno}, column {error.colno}: not valid JSON") from None
    with _session() as session:
        try:
            facts, results = route_record(session, record)
        except RecordError as error:
            raise click.ClickException(f"{path}: {error}") from None
    click.echo(json.dumps(as_json(facts, results), indent=2, ensure_ascii=False))


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(search_cli)
    app.cli.add_command(import_services_command)
    app.cli.add_command(import_oruk_command)
    app.cli.add_command(export_services_command)
    app.cli.add_command(route_command)
    notify_commands.init_app(app)
    app.cli.add_command(retention_command)
    app.cli.add_command(rotate_keys_command)
    reminders_command.init_app(app)
    freshness_command.init_app(app)
