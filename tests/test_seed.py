"""The seed: idempotent, complete, and every error reported with file, record and field, changing nothing."""

import json
import shutil

import pytest
from sqlmodel import Session, func, select

from directory import migrate
from directory.models import Phone, Service, stable_id
from directory.seed import SeedError, apply_seed, load_seed
from tests.helpers.databases import SEED_PATH, dump


@pytest.fixture
def seed_copy(tmp_path):
    """A copy of the seed folder that a test may break."""
    folder = tmp_path / "seed"
    shutil.copytree(SEED_PATH, folder, ignore=shutil.ignore_patterns("schema"))
    return folder


def edit(folder, filename, change):
    path = folder / filename
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=1))


def problems_for(folder) -> list[str]:
    with pytest.raises(SeedError) as raised:
        load_seed(folder)
    return raised.value.problems


def test_seed_twice_gives_the_same_database(fresh_app):
    engine = fresh_app.extensions["db"].engine
    migrate.upgrade(engine)
    runner = fresh_app.test_cli_runner()
    first = runner.invoke(args=["seed", "--commit"])
    assert first.exit_code == 0, first.output
    assert "created 51 service" in first.output
    with Session(engine) as session:
        before = dump(session)
    second = runner.invoke(args=["seed", "--commit"])
    assert second.exit_code == 0, second.output
    assert "No changes" in second.output
    with Session(engine) as session:
        assert dump(session) == before


def test_seed_holds_at_least_45_services_with_distinct_descriptions(db_session):
    services = db_session.exec(select(Service)).all()
    assert len(services) >= 45
    assert len({s.description for s in services}) == len(services)
    assert len({s.summary for s in services}) == len(services)
    assert all(len(s.description) > 200 for s in services)


def test_seed_covers_every_category_and_stoke_on_trent(db_session):
    from directory.data.taxonomy import active_service_counts, list_terms
    from directory.models.taxonomy import CATEGORIES

    terms = list_terms(db_session, CATEGORIES)
    counts = active_service_counts(db_session, [t.id for t in terms])
    assert all(counts.get(term.id) for term in terms), [t.code for t in terms if not counts.get(t.id)]
    from directory import places
    from directory.data.services import services_in_district

    assert len(services_in_district(db_session, places.get_district(db_session, "stoke-on-trent"))) >= 4


def test_changed_seed_updates_only_what_changed(db_session, seed_copy):
    def rename_and_drop_phones(document):
        service = next(s for s in document["services"] if s.get("phones"))
        service["name"] = "A renamed service"
        service["phones"] = []

    edit(seed_copy, "services.json", rename_and_drop_phones)
    report = apply_seed(db_session, load_seed(seed_copy))
    assert report.updated == {"service": 1}
    assert report.deleted["phone"] >= 1
    assert not report.created
    renamed = db_session.exec(select(Service).where(Service.name == "A renamed service")).one()
    assert db_session.exec(select(func.count()).select_from(Phone).where(Phone.service_id == renamed.id)).one() == 0


def test_local_offer_address_is_loaded_and_updated_from_places(db_session, seed_copy):
    from directory.models import LocalAuthority

    def move_local_offer(document):
        document["local_authorities"][1]["local_offer_url"] = "https://localoffer.example.org"

    edit(seed_copy, "places.json", move_local_offer)
    report = apply_seed(db_session, load_seed(seed_copy))
    assert report.updated == {"local_authority": 1}
    stoke = db_session.get(LocalAuthority, stable_id("local_authority", "stoke-on-trent"))
    assert stoke.local_offer_url == "https://localoffer.example.org"
    edit(seed_copy, "places.json", lambda d: d["local_authorities"][0].update(local_offer_url="not a web address"))
    [problem] = problems_for(seed_copy)
    assert problem.startswith('places.json: local authority "staffordshire" (record 1): field "local_offer_url": ')


def test_ids_are_stable_and_derived_from_the_seed_ids(db_session):
    service = db_session.get(Service, stable_id("service", "staffordshire-sendiass"))
    assert service is not None and service.slug == "staffordshire-sendiass"


def test_invalid_json_names_the_file_line_and_column(seed_copy):
    path = seed_copy / "services.json"
    lines = path.read_text().splitlines()
    lines[5] = lines[5] + ","  # a stray comma
    path.write_text("\n".join(lines))
    [problem] = problems_for(seed_copy)
    assert problem.startswith("services.json: line 6, column ")
    assert "not valid JSON" in problem


def test_schema_errors_name_the_record_and_field(seed_copy):
    def break_records(document):
        document["services"][2]["min_age"] = -1
        del document["services"][4]["name"]
        document["services"][6]["status"] = "open"

    edit(seed_copy, "services.json", break_records)
    problems = problems_for(seed_copy)
    ids = [s["id"] for s in json.loads((SEED_PATH / "services.json").read_text())["services"]]
    expected = f'services.json: service "{ids[2]}" (record 3): field "min_age": -1 is less than the minimum of 0'
    assert expected in problems
    assert f'services.json: service "{ids[4]}" (record 5): field "name": is missing' in problems
    assert any(p.startswith(f'services.json: service "{ids[6]}" (record 7): field "status": ') for p in problems)
    assert len(problems) == 3


def test_references_to_unknown_records_are_listed_together(seed_copy):
    def break_references(document):
        document["services"][0]["categories"] = ["not-a-category"]
        document["services"][1]["areas"] = ["atlantis"]
        document["services"][2]["organisation"] = "nobody"
        document["services"][3]["min_age"], document["services"][3]["max_age"] = 19, 5

    edit(seed_copy, "services.json", break_references)
    problems = problems_for(seed_copy)
    assert len(problems) == 4
    assert any('field "categories": "not-a-category" is not known' in p for p in problems)
    assert any('field "areas": "atlantis" is not known' in p for p in problems)
    assert any('field "organisation": "nobody" is not known' in p for p in problems)
    assert any('field "min_age": 19 is more than max_age 5' in p for p in problems)


def test_bad_outward_code_in_places_is_named(seed_copy):
    edit(seed_copy, "places.json", lambda d: d["local_authorities"][0]["districts"][7]["outward_codes"].append("b79"))
    [problem] = problems_for(seed_copy)
    assert problem.startswith(
        'places.json: local authority "staffordshire" (record 1) > district "tamworth" (record 8): '
        'field "outward_codes[4]": '
    )


def test_missing_file_is_named(seed_copy):
    (seed_copy / "taxonomies.json").unlink()
    assert problems_for(seed_copy) == [f"taxonomies.json: file not found in {seed_copy}"]


def test_cli_reports_errors_and_changes_nothing(runner, db_session, seed_copy):
    edit(seed_copy, "services.json", lambda d: d["services"][0].update(max_age="nineteen"))
    before = dump(db_session)
    result = runner.invoke(args=["seed", "--commit", "--path", str(seed_copy)])
    assert result.exit_code == 1
    assert "have 1 problem(s); nothing was changed" in result.output
    assert 'field "max_age": \'nineteen\' is not of type \'integer\'' in result.output
    assert dump(db_session) == before


def test_seed_without_commit_is_a_dry_run(runner, db_session, seed_copy):
    edit(seed_copy, "services.json", lambda d: d["services"][0].update(name="Dry run name"))
    result = runner.invoke(args=["seed", "--path", str(seed_copy)])
    assert result.exit_code == 0, result.output
    assert "updated 1 service" in result.output
    assert "Dry run: nothing was written" in result.output
    assert db_session.exec(select(Service).where(Service.name == "Dry run name")).first() is None
