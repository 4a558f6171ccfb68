"""The SEND thesaurus: the seed file is valid and loads into the database; a search for any phrase of a group finds
listings that say any other, both ways, for groups of every kind; contractions, query-only words and dotted
abbreviations; a described need finds the services of its category; admins add, change and delete groups (checked,
audited, a search change recorded, the index rebuilt after commit, every server following); a re-seed keeps
admins' edits."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from directory import thesaurus, thesaurus_admin
from directory.config import Config
from directory.models import AuditEntry, SearchChange, Service, ThesaurusGroup
from directory.models.thesaurus import THESAURUS_KINDS
from directory.search import SearchIndex, SearchRequest
from directory.search import documents as search_documents
from directory.search import sync as search_sync
from directory.search.sync import ThesaurusFollower, get_index
from directory.search.synonyms import Synonyms, phrase_forms, token, words
from directory.seed import apply_seed, load_seed
from tests.helpers.databases import SEED_PATH
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in

FILE_GROUPS = thesaurus.read_file(Config.THESAURUS_PATH)


def signed_in(app, user):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, user)
    return client


@pytest.fixture
def admin(db_session):
    return make_user(db_session, ["admin"], name="Ada Admin")


@pytest.fixture
def admin_client(app, admin):
    return signed_in(app, admin)


def ids_for(index, text: str) -> set[str]:
    return set(index.search(SearchRequest(text=text)).ids)


def slug_ids(db_session, *slugs) -> dict[str, str]:
    return {s.slug: str(s.id) for s in db_session.exec(select(Service).where(Service.slug.in_(slugs)))}


def group_with(db_session, phrase: str) -> ThesaurusGroup:
    return next(g for g in thesaurus.groups(db_session) if phrase in g.phrases)


# --- the seed file -----------------------------------------------------------------------------------------------

def test_the_seed_file_is_valid_rich_and_loaded_into_the_table(db_session):
    data = load_seed(SEED_PATH)  # schema and cross-checks (no phrase in two groups, known codes) pass
    assert data.thesaurus["format"] == "send-directory-thesaurus/1"
    assert len(FILE_GROUPS) > 100
    assert {g["kind"] for g in FILE_GROUPS} == set(THESAURUS_KINDS)
    assert sum(1 for g in FILE_GROUPS if g["categories"] or g["needs"]) > 60
    rows = thesaurus.groups(db_session)
    assert [thesaurus.entry(row) for row in rows] == FILE_GROUPS
    assert [row.position for row in rows] == list(range(len(FILE_GROUPS)))
    # The seed asked every server for a whole index built with it.
    assert thesaurus.version(db_session) > 0


def test_the_old_synonyms_are_all_still_there():
    old = [["speech and language therapy", "salt", "slt", "speech therapy"], ["occupational therapy", "ot"],
           ["autism", "asc", "asd", "autistic"], ["adhd", "add"], ["camhs", "mental health"],
           ["ehcp", "ehc plan", "education health and care plan"], ["sendiass", "iass"], ["short breaks", "respite"],
           ["physio", "physiotherapy"], ["senco", "sendco"], ["send", "sen"], ["dyslexia", "spld"],
           ["hearing", "deaf"], ["vision", "visual impairment", "blind"], ["paediatrician", "pediatrician"],
           ["emotional wellbeing", "wellbeing"], ["key worker", "keyworker"], ["social worker", "social care"]]
    synonyms = Synonyms(FILE_GROUPS)
    for group in old:
        assert len({synonyms.concepts(words(phrase))[0][0] for phrase in group}) == 1, group


def test_a_broken_thesaurus_file_is_refused_naming_the_group(tmp_path):
    import shutil

    from directory.seed import SeedError

    folder = tmp_path / "seed"
    shutil.copytree(SEED_PATH, folder, ignore=shutil.ignore_patterns("schema"))
    document = json.loads((folder / "thesaurus.json").read_text())
    document["groups"].append({"kind": "need", "phrases": ["quokka care", "Salt"], "categories": ["no-such-code"]})
    document["groups"].append({"kind": "nonsense", "phrases": []})
    (folder / "thesaurus.json").write_text(json.dumps(document))
    with pytest.raises(SeedError) as raised:
        load_seed(folder)
    problems = "\n".join(raised.value.problems)
    assert "thesaurus.json" in problems and "kind" in problems
    document["groups"].pop()
    (folder / "thesaurus.json").write_text(json.dumps(document))
    with pytest.raises(SeedError) as raised:
        load_seed(folder)
    problems = raised.value.problems
    assert any("“Salt” is already a phrase of the group “speech and language therapy”" in p for p in problems)
    assert any('"no-such-code" is not a term' in p for p in problems)


# --- matching phrases --------------------------------------------------------------------------------------------

def test_contractions_match_with_or_without_the_apostrophe():
    synonyms = Synonyms(FILE_GROUPS)
    wanted = synonyms.concepts(words("doesn't talk"))
    assert len(wanted) == 1 and wanted[0][0] is not None
    for typed in ("won't talk", "wont talk", "won t talk", "WON’T TALK", "doesnt talk", "can't talk", "cant talk"):
        assert [concept for concept, _ in synonyms.concepts(words(typed))] == [wanted[0][0]], typed
    assert {"wont", "doesnt", "cant", "t"} <= synonyms.vocabulary


def test_every_way_of_saying_not_matches_a_phrase_said_with_another():
    synonyms = Synonyms([{"phrases": ["not walking yet", "late walker"]}, {"phrases": ["won't sleep", "insomnia"]}])
    walking, sleep = synonyms.concepts(["late", "walker"])[0][0], synonyms.concepts(["insomnia"])[0][0]
    for typed, wanted in (("she isn't walking yet", walking), ("shes 2 and isnt walking yet", walking),
                          ("he doesn't sleep", sleep), ("cannot sleep", sleep), ("can't sleep", sleep)):
        assert wanted in [concept for concept, _ in synonyms.concepts(words(typed))], typed
    # "can" and "won" on their own are not "not".
    assert synonyms.concepts(words("can sleep")) == [(None, ("can",)), (None, ("sleep",))]
    assert synonyms.tokens_in("He won a walking race. The baby isn't walking yet.") == [walking]


def test_a_described_need_is_found_loosely_in_the_query_but_never_in_listings():
    synonyms = Synonyms([{"phrases": ["won't go to school", "school refusal"]},
                         {"phrases": ["struggling with reading", "dyslexia"]},
                         {"phrases": ["can't talk", "speech"]},
                         {"phrases": ["carers", "caring"]}])
    school, reading = synonyms.concepts(["school"])[0][0], synonyms.concepts(["dyslexia"])[0][0]
    assert school is None  # one word of a phrase is not the phrase
    # The meaning words of a phrase, in other forms, in any order, with other words between.
    assert synonyms.concepts(words("scared to go to school")) == [
        (None, ("scared",)), (None, ("to",)), ("syn0", ("go", "school")), (None, ("to",))]
    assert [c for c, _ in synonyms.concepts(words("struggles to read"))] == [reading, None]
    assert [c for c, _ in synonyms.concepts(words("reading struggles"))] == [reading]
    # One meaning word is not enough: "talk" is not "can't talk", and "care" is not "caring".
    assert synonyms.concepts(["talk"]) == [(None, ("talk",))]
    assert synonyms.concepts(words("care plan")) == [(None, ("care",)), (None, ("plan",))]
    # Listings are matched exactly: a description that mentions school and going is not about refusing school.
    assert synonyms.tokens_in("Children go to school with support") == []


def test_a_phrase_is_found_loosely_only_when_its_words_are_near_each_other():
    synonyms = Synonyms([{"phrases": ["leaving school"]}, {"phrases": ["won't go to school"]}])
    assert synonyms.concepts(words("worried about him leaving his special school")) == [
        (None, ("worried",)), (None, ("about",)), (None, ("him",)), ("syn0", ("leaving", "school")), (None, ("his",)),
        (None, ("special",))]
    # "school" and "leave" eleven words apart are two things said, not "leaving school".
    text = "she has not been in school since easter and now she will not even leave the house"
    assert all(group is None for group, _words in synonyms.concepts(words(text)))
    assert synonyms.concepts(words("scared to go to school")) == [
        (None, ("scared",)), (None, ("to",)), ("syn1", ("go", "school")), (None, ("to",))]


def test_of_two_loose_readings_the_one_in_the_order_typed_then_the_shorter_phrase_is_taken():
    advice = {"phrases": ["someone to talk to about my child's needs", "caring for a disabled child"]}
    day_care = {"phrases": ["day care"]}
    mental_health = {"phrases": ["someone to talk to"]}
    synonyms = Synonyms([advice, day_care, mental_health])
    # "someone" and "talk" are the meaning words of both "someone to talk to" phrases ("my child's needs" asks for
    # nothing): the phrase that says least beyond them is read, though its group comes later.
    assert [group for group, _ in synonyms.concepts(words("someone for my son to talk to"))][0] == "syn2"
    # The same phrase, typed in full, is read exactly.
    assert synonyms.concepts(words("someone to talk to about my child's needs"))[0][0] == "syn0"
    # "care ... disabled" in the order of "caring for a disabled child", not "day" and "care" the wrong way round,
    # though "day care" is shorter.
    read = synonyms.concepts(words("i care for my disabled son day and night"))
    assert ("syn0", ("care", "disabled")) in read and not [group for group, _ in read if group == "syn1"]


def test_a_query_is_read_the_same_way_in_every_process():
    # Two loose phrases of one group with as many words: the one whose words start earlier is taken. It used to
    # depend on the order of a set of strings, which Python changes from process to process (PYTHONHASHSEED),
    # so two servers could rank the same query differently.
    program = (
        "from directory.search.synonyms import Synonyms, words\n"
        "s = Synonyms([{'phrases': ['goes swimming', 'pool swimming']}])\n"
        "print(s.concepts(words('goes to the pool for swimming')))\n")
    readings = {subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True,
                               env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(8)}
    assert readings == {str([("syn0", ("goes", "swimming")), (None, ("to",)), (None, ("the",)), (None, ("pool",)),
                             (None, ("for",))]) + "\n"}


def test_abbreviations_in_capitals_are_found_with_dots():
    assert phrase_forms("EHCP") == [("ehcp",), ("e", "h", "c", "p")]
    assert phrase_forms("won't talk") == [("won", "t", "talk"), ("wont", "talk")]
    assert phrase_forms("ehcp") == [("ehcp",)]  # written in small letters: an ordinary word
    synonyms = Synonyms(FILE_GROUPS)
    ehcp = synonyms.concepts(["ehcp"])[0][0]
    assert synonyms.concepts(words("E.H.C.P.")) == [(ehcp, ("ehcp",))]
    assert synonyms.tokens_in("Ask about an E.H.C.P. here") == [ehcp]


def test_letters_typed_one_at_a_time_are_read_as_the_word_they_spell():
    synonyms = Synonyms([{"phrases": ["camhs", "child and adolescent mental health"]},
                         {"phrases": ["sendiass", "iass"]}])
    camhs, sendiass = synonyms.concepts(["camhs"])[0][0], synonyms.concepts(["iass"])[0][0]
    # A word the thesaurus has in small letters only ("camhs"), spelled out with dots or spaces.
    assert synonyms.concepts(words("C.A.M.H.S.")) == [(camhs, ("camhs",))]
    assert synonyms.concepts(words("send i a s s")) == [(None, ("send",)), (sendiass, ("iass",))]
    # Single letters that spell nothing the thesaurus knows stay as typed ("i a m" is not a word here).
    assert synonyms.concepts(words("i a m worried")) == [(None, ("i",)), (None, ("a",)), (None, ("m",)),
                                                        (None, ("worried",))]


def test_query_only_phrases_are_understood_but_not_looked_for_in_listings():
    synonyms = Synonyms(FILE_GROUPS)
    adhd = synonyms.concepts(["adhd"])[0][0]
    assert synonyms.concepts(["add"]) == [(adhd, ("add",))]
    assert synonyms.tokens_in("Add your name to the list") == []
    assert synonyms.tokens_in("Assessment for ADHD") == [adhd]


def test_a_query_only_phrase_never_hides_a_phrase_a_listing_says():
    # "hospital admission" is understood in a search only; in a listing, "hospital" is still found in it.
    synonyms = Synonyms([{"phrases": ["hospital"], "categories": ["health"]},
                         {"phrases": ["inpatient unit"], "query_only": ["hospital admission"]}])
    hospital, unit = token(0), token(1)
    assert synonyms.concepts(words("a hospital admission")) == [(None, ("a",)), (unit, ("hospital", "admission"))]
    assert synonyms.tokens_in("For young people at risk of hospital admission") == [hospital]


def test_tokens_for_codes_give_every_group_mapped_to_a_category_or_need():
    synonyms = Synonyms(FILE_GROUPS)
    talk = synonyms.concepts(words("doesn't talk"))[0][0]
    handwriting = synonyms.concepts(["handwriting"])[0][0]
    assert talk in synonyms.tokens_for_codes(["speech-and-language-therapy"])
    assert handwriting in synonyms.tokens_for_codes(["occupational-therapy", "no-such-code"])
    assert talk not in synonyms.tokens_for_codes(["occupational-therapy"])
    assert synonyms.tokens_for_codes([]) == []
    expected = sorted({token(n) for n, g in enumerate(FILE_GROUPS) if "transport" in g["categories"]})
    assert synonyms.tokens_for_codes(["transport"]) == expected


def _sample() -> list[tuple[str, str, str]]:
    """(kind, phrase A, phrase B): the first, a middle and the last group of each kind, its first and last
    phrases (query-only ones are never looked for in listings)."""
    sample = []
    for kind in THESAURUS_KINDS:
        groups = [g for g in FILE_GROUPS if g["kind"] == kind and len(g["phrases"]) > 1]
        for group in {id(g): g for g in (groups[0], groups[len(groups) // 2], groups[-1])}.values():
            sample.append((kind, group["phrases"][0], group["phrases"][-1]))
    return sample


@pytest.fixture
def listings_index(db_session, tmp_path):
    """A real index of two listings for each sampled group, one saying phrase A and one phrase B (and nothing
    else), built with the database's thesaurus."""
    template = next(search_documents.service_documents(db_session))
    documents, expected = [], {}
    for number, (_kind, first, last) in enumerate(_sample()):
        for side, phrase in (("a", first), ("b", last)):
            document = dict(template, id=f"{number}-{side}", name=f"Listing {number}{side}", summary="",
                            organisation="", keywords="", places="", description=f"Listing text. {phrase}.",
                            category=[], need=[])
            documents.append(document)
        expected[number] = (first, last)
    index = SearchIndex(tmp_path / "listings", thesaurus.synonyms_from_database(db_session))
    index.rebuild(documents)
    return index, expected


def test_the_thesaurus_works_both_ways_for_groups_of_every_kind(listings_index):
    index, expected = listings_index
    assert len(expected) >= 2 * len(THESAURUS_KINDS)
    for number, (first, last) in expected.items():
        assert f"{number}-b" in ids_for(index, first), (first, last)
        assert f"{number}-a" in ids_for(index, last), (last, first)


@pytest.mark.parametrize(("typed", "listing_says"), [
    ("my child won't talk", "not talking"),
    ("wont talk", "non verbal"),
    ("can't concentrate", "ADHD"),
    ("can't sit still", "attention deficit hyperactivity disorder"),
    ("problems with handwriting", "dysgraphia"),
    ("E.H.C.P.", "education health and care plan"),
    ("behavior", "behaviour"),
    ("pediatric", "paediatrics"),
    ("center", "centre"),
    ("aspergers", "autism spectrum condition"),
    ("dyspraxia", "developmental coordination disorder"),
    ("stutter", "stammering"),
    ("school refusal", "emotionally based school avoidance"),
    ("LAC", "looked after children"),
    ("respite", "short breaks"),
])
def test_everyday_and_professional_words_find_listings_in_other_words(db_session, tmp_path, typed, listing_says):
    template = next(search_documents.service_documents(db_session))
    documents = [dict(template, id=str(n), name=f"Listing {n}", summary="", organisation="", keywords="", places="",
                      description=f"Listing text. {text}.", category=[], need=[])
                 for n, text in enumerate([listing_says, "Something else entirely."])]
    index = SearchIndex(tmp_path / "few", thesaurus.synonyms_from_database(db_session))
    index.rebuild(documents)
    assert "0" in ids_for(index, typed)
    assert "1" not in ids_for(index, typed)


# Needs directory/search/index.py `_to_whoosh` to index `synonyms.tokens_for_codes(...)` of a document's category codes.
@pytest.mark.parametrize(("described", "slugs"), [
    ("my child won't talk", ["slt-south-east-staffordshire", "slt-north-and-south-west-staffordshire",
                             "stoke-speech-and-language-therapy"]),
    ("clumsy and falls over", ["ot-north-team", "ot-east-team", "ot-west-team", "childrens-physiotherapy"]),
    ("problems with handwriting", ["ot-north-team", "ot-east-team", "ot-west-team"]),
])
def test_a_described_need_finds_the_services_of_its_category(app, db_session, described, slugs):
    wanted = set(slug_ids(db_session, *slugs).values())
    assert len(wanted) == len(slugs)
    assert wanted <= set(get_index(app).search(SearchRequest(text=described)).ids)


# --- admins edit it ------------------------------------------------------------------------------------------------

def test_the_list_finds_groups_by_kind_and_phrase(admin_client):
    page = admin_client.get("/admin/thesaurus")
    assert page.status_code == 200
    table = page.soup.select_one("#thesaurus-groups")
    assert f"{len(FILE_GROUPS)} groups" in text_of(table.caption)
    found = admin_client.get("/admin/thesaurus", query_string={"phrase": "Won't talk", "kind": "everyday"})
    # Each group with a phrase holding the words: "won't talk" itself, and "won't talk to us" (a child withdrawn).
    assert [text_of(a) for a in found.soup.select("#thesaurus-groups tbody a")] == [
        "doesn't talk (change group)", "won't leave his room (change group)"]
    none = admin_client.get("/admin/thesaurus", query_string={"phrase": "zzzzqq", "kind": "nonsense"})
    assert "No group matches." in text_of(none.soup)


def test_only_admins_may_edit_the_thesaurus(app, db_session):
    group = thesaurus.groups(db_session)[0]
    for roles in (["key_worker"], ["service_lead"], ["family"], ["information_governance"]):
        client = signed_in(app, make_user(db_session, roles))
        for path in ("/admin/thesaurus", "/admin/thesaurus/new", f"/admin/thesaurus/{group.id}",
                     f"/admin/thesaurus/{group.id}/delete"):
            assert client.get(path).status_code == 403, (roles, path)
        assert client.post(f"/admin/thesaurus/{group.id}/delete").status_code == 403
    assert app.test_client().get("/admin/thesaurus").status_code == 302
    assert db_session.get(ThesaurusGroup, group.id) is not None


def test_an_admin_adds_a_group_and_the_rebuilt_index_finds_a_service_by_it(app, db_session, admin, admin_client):
    caudwell = slug_ids(db_session, "caudwell-children-autism-assessment")
    assert not set(caudwell.values()) & ids_for(get_index(app), "wombat club")
    before = thesaurus.version(db_session)
    changes = db_session.exec(select(func.count()).select_from(SearchChange)).one()
    form = admin_client.get("/admin/thesaurus/new")
    assert len(form.soup.select("input[name=categories]")) == 22
    response = admin_client.post("/admin/thesaurus/new", data={
        "phrases": "Wombat club\r\n\r\n  Caudwell  \r\n", "query_only": "wc", "kind": "service",
        "categories": ["autism-and-adhd"], "needs": ["ASD"]}, follow_redirects=True)
    assert "Group “Wombat club” added. The search will use the change in a minute or two." in text_of(response.soup)
    group = group_with(db_session, "Wombat club")
    assert (group.phrases, group.query_only, group.categories, group.needs, group.kind) == (
        ["Wombat club", "Caudwell"], ["wc"], ["autism-and-adhd"], ["ASD"], "service")
    assert group.position == len(FILE_GROUPS) and group.updated_by_id == admin.id
    entry = db_session.exec(select(AuditEntry).where(AuditEntry.object_id == group.id)).one()
    assert (entry.action, entry.user_id, entry.detail["fields"]) == (
        "thesaurus_group_added", admin.id, ["categories", "kind", "needs", "phrases", "query_only"])
    change = db_session.exec(select(SearchChange).order_by(SearchChange.id.desc())).first()
    assert change.rebuild and change.service_id is None
    assert db_session.exec(select(func.count()).select_from(SearchChange)).one() == changes + 1
    assert thesaurus.version(db_session) == change.id > before
    # Rebuilt after commit (at once when testing; in a background thread otherwise) with the new thesaurus.
    index = get_index(app)
    assert set(caudwell.values()) <= ids_for(index, "wombat club")
    assert set(caudwell.values()) <= ids_for(index, "WC")


def test_an_admin_changes_a_group(app, db_session, admin, admin_client):
    group = group_with(db_session, "stammer")
    page = admin_client.get(f"/admin/thesaurus/{group.id}")
    assert page.soup.select_one("textarea[name=phrases]").get_text().splitlines()[0] == "stammer"
    assert page.soup.select_one("input[name=kind][value=condition]").has_attr("checked")
    phrases = [*group.phrases, "trips over words"]
    response = admin_client.post(f"/admin/thesaurus/{group.id}", data={
        "phrases": "\n".join(phrases), "query_only": "\n".join(group.query_only or []), "kind": "condition",
        "categories": group.categories, "needs": group.needs}, follow_redirects=True)
    assert "Group “stammer” saved. The search will use the change in a minute or two." in text_of(response.soup)
    db_session.refresh(group)
    assert group.phrases == phrases and group.updated_by_id == admin.id
    entry = db_session.exec(select(AuditEntry).where(AuditEntry.object_id == group.id)).one()
    assert (entry.action, entry.detail["fields"]) == ("thesaurus_group_changed", ["phrases"])
    # The same answers again change nothing and record nothing.
    version = thesaurus.version(db_session)
    again = admin_client.post(f"/admin/thesaurus/{group.id}", data={
        "phrases": "\n".join(phrases), "query_only": "\n".join(group.query_only or []), "kind": "condition",
        "categories": group.categories, "needs": group.needs},
        follow_redirects=True)
    assert "Nothing was changed." in text_of(again.soup)
    assert thesaurus.version(db_session) == version


@pytest.mark.parametrize(("answers", "field", "message"), [
    ({"phrases": "quokka\nSALT"}, "phrases",
     "“SALT” is already in the group “speech and language therapy”: a phrase can be in one group only."),
    ({"phrases": "quokka", "query_only": "won't talk"}, "query_only", "is already in the group “doesn't talk”"),
    ({"phrases": "quokka\nQuokka"}, "phrases", "“Quokka” is in the group twice: enter it once"),
    ({"phrases": "   \n  "}, "phrases", "Enter at least one phrase"),
    ({"phrases": "--- !!"}, "phrases", "Each phrase must have a letter or a number in it"),
    ({"phrases": "quokka " + "x" * 100}, "phrases", "Each phrase must be 100 characters or fewer"),
    ({"phrases": "quokka", "kind": ""}, "kind", "Select what kind of words the group holds"),
    ({"phrases": "quokka", "kind": "nonsense"}, "kind", "Not a valid choice"),
    ({"phrases": "quokka", "categories": ["no-such-category"]}, "categories", "Select categories from the list"),
])
def test_a_bad_group_is_refused_with_a_message_and_nothing_is_written(db_session, admin_client, answers, field,
                                                                      message):
    version = thesaurus.version(db_session)
    response = admin_client.post("/admin/thesaurus/new", data={"kind": "need", **answers})
    assert response.status_code == 200
    assert response.soup.title.get_text().startswith("Error: Add a thesaurus group")
    assert message in text_of(response.soup.select_one(f"#{field}-error"))
    assert thesaurus.version(db_session) == version
    assert not any("quokka" in g.phrases for g in thesaurus.groups(db_session))


def test_a_phrase_may_stay_in_its_own_group_when_the_group_is_changed(db_session, admin):
    group = group_with(db_session, "stammer")
    saved, changed = thesaurus_admin.save_group(db_session, admin.id, group.id, "need", group.phrases,
                                                group.query_only, group.categories, group.needs)
    assert changed and saved.kind == "need"


def test_an_admin_deletes_a_group_after_confirming(app, db_session, admin, admin_client):
    group = group_with(db_session, "dyscalculia")
    group_id, phrases = group.id, len(group.phrases) + len(group.query_only or [])
    confirm = admin_client.get(f"/admin/thesaurus/{group.id}/delete")
    assert confirm.soup.h1.get_text(strip=True) == "Delete the group “dyscalculia”"
    assert "maths difficulties" in text_of(confirm.soup)
    response = admin_client.post(f"/admin/thesaurus/{group.id}/delete", follow_redirects=True)
    assert "Group “dyscalculia” deleted. The search will use the change in a minute or two." in text_of(
        response.soup)
    db_session.expunge_all()
    assert db_session.get(ThesaurusGroup, group_id) is None
    entry = db_session.exec(select(AuditEntry).where(AuditEntry.object_id == group_id)).one()
    assert (entry.action, entry.user_id, entry.detail) == ("thesaurus_group_deleted", admin.id,
                                                          {"kind": "condition", "phrases": phrases})
    assert get_index(app).synonyms.concepts(["dyscalculia"]) == [(None, ("dyscalculia",))]
    assert admin_client.get(f"/admin/thesaurus/{group_id}").status_code == 404
    assert admin_client.post(f"/admin/thesaurus/{uuid.uuid4()}/delete").status_code == 404


def test_the_account_page_links_admins_to_the_thesaurus(admin_client):
    page = admin_client.get("/your-account")
    assert page.soup.find("a", href="/admin/thesaurus") is not None


# --- every server follows; the seed keeps admins' edits ---------------------------------------------------------------

def test_another_server_rebuilds_its_index_when_it_sees_a_new_version(db_connection, db_session, admin, tmp_path):
    index = SearchIndex(tmp_path / "other-server", Synonyms(FILE_GROUPS))
    search_sync.rebuild(index, db_session)
    follower = ThesaurusFollower(index, None, interval=60, background=False, path=Config.THESAURUS_PATH)
    factory = lambda: Session(bind=db_connection, join_transaction_mode="create_savepoint")  # noqa: E731
    follower.check_now_and_then(factory, force=True)
    assert follower.version == thesaurus.version(db_session)  # the same groups: adopted, no rebuild
    caudwell = slug_ids(db_session, "caudwell-children-autism-assessment")
    thesaurus_admin.save_group(db_session, admin.id, None, "service", ["numbat", "caudwell"], [], [], [])
    follower.check_now_and_then(factory)  # not yet a minute since the last check: nothing asked
    assert not set(caudwell.values()) & ids_for(index, "numbat")
    follower.check_now_and_then(factory, force=True)
    assert set(caudwell.values()) <= ids_for(index, "numbat")
    assert follower.version == thesaurus.version(db_session)


def test_a_reseed_keeps_admins_edits_unless_told_to_replace_them(db_session, admin):
    group = group_with(db_session, "stammer")
    thesaurus_admin.save_group(db_session, admin.id, group.id, "condition", ["stammer", "stutter"], [], ["health"], [])
    added, _ = thesaurus_admin.save_group(db_session, admin.id, None, "need", ["quokka"], [], [], [])
    version = thesaurus.version(db_session)
    report = apply_seed(db_session, load_seed(SEED_PATH))
    db_session.commit()
    assert "thesaurus_group" not in report.created
    assert group_with(db_session, "stammer").phrases == ["stammer", "stutter"]
    assert db_session.get(ThesaurusGroup, added.id) is not None
    assert thesaurus.version(db_session) == version
    report = apply_seed(db_session, load_seed(SEED_PATH), replace_thesaurus=True)
    db_session.commit()
    assert report.created["thesaurus_group"] == len(FILE_GROUPS)
    assert report.deleted["thesaurus_group"] == len(FILE_GROUPS) + 1
    assert [thesaurus.entry(g) for g in thesaurus.groups(db_session)] == FILE_GROUPS
    assert thesaurus.version(db_session) > version


def test_after_commit_the_index_is_rebuilt_in_a_background_thread(fresh_app, engine):
    """Outside the tests' shared transaction: real commits, and the thread reads through its own connection."""
    import time

    follower = fresh_app.extensions[search_sync.THESAURUS_KEY]
    follower.background = True
    index = get_index(fresh_app)
    database = fresh_app.extensions["db"]
    with database.session_factory() as session:
        search_sync.rebuild(index, session)
        service_id = str(session.exec(select(Service.id).where(
            Service.slug == "caudwell-children-autism-assessment")).one())
        assert service_id not in ids_for(index, "numbat")
        admin = make_user(session, ["admin"])
        thesaurus_admin.save_group(session, admin.id, None, "service", ["numbat", "caudwell"], [], [], [])
        version = thesaurus.version(session)
    deadline = time.monotonic() + 60
    while follower._building or follower.version != version:
        assert time.monotonic() < deadline, "the index was not rebuilt within a minute"
        time.sleep(0.05)
    assert service_id in ids_for(index, "numbat")


def test_another_form_of_a_one_word_phrase_is_read_as_its_group_in_a_query():
    synonyms = Synonyms([{"phrases": ["sleep", "not sleeping"], "categories": ["health"]},
                         {"phrases": ["caring", "carer"], "categories": ["carers"]},
                         {"phrases": ["downs", "down syndrome"], "categories": ["health"]},
                         {"phrases": ["wait", "waiting list"]}])
    sleep = synonyms.concepts(["sleep"])[0][0]
    assert synonyms.concepts(words("he never sleeps"))[-1] == (sleep, ("sleeps",))
    # Not a bare root of a longer phrase ("care" is not "caring"), not an everyday word ("down"), and not a group
    # that names no need or service ("waiting" is not the waiting-list group).
    for typed in ("care", "down", "waiting"):
        assert synonyms.concepts([typed]) == [(None, (typed,))], typed
    # Listings are not read this way: only the phrases themselves are looked for in them.
    assert synonyms.tokens_in("She sleeps well") == []



@pytest.mark.parametrize(("text", "not_read_as"), [
    ("a school that fits his needs", "epilepsy"),
    ("fined for school absences", "epilepsy"),
])
def test_an_everyday_word_a_condition_also_uses_is_not_read_as_that_condition(text, not_read_as):
    synonyms = Synonyms.from_file(Config.THESAURUS_PATH)
    groups = json.loads(Path(Config.THESAURUS_PATH).read_text(encoding="utf-8"))["groups"]
    group = next(number for number, entry in enumerate(groups) if entry["phrases"][0] == not_read_as)
    read = [concept for concept, _words in synonyms.concepts(words(text))]
    assert token(group) not in read, read
    # The condition is still found when it is what the family says.
    assert token(group) in [c for c, _w in synonyms.concepts(words("he keeps having fits at night"))]
