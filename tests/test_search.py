"""Search as families use it: their words, synonyms, spelling, filters, "for my child", and odd input."""

import uuid

import pytest
from sqlmodel import select

from directory.models import District, Service, ServiceArea, ServiceAttribute, TaxonomyTerm
from directory.search import SearchRequest
from directory.search.sync import get_index
from tests.helpers.pages import text_of


def names(response) -> list[str]:
    return [a.get_text(strip=True) for a in response.soup.select("#results li.app-result h3 a")]


def result_slugs(response) -> list[str]:
    return [a["href"].rsplit("/", 1)[1] for a in response.soup.select("#results li.app-result h3 a")]


def heading(response) -> str:
    return response.soup.select_one("#results-heading").get_text(" ", strip=True)


def search_ids(app, **kwargs) -> list[str]:
    return get_index(app).search(SearchRequest(**kwargs)).ids


def services_for(db_session, slugs):
    return {s.slug: s for s in db_session.exec(select(Service).where(Service.slug.in_(slugs)))}


@pytest.mark.parametrize(("typed", "means"), [
    ("salt", "speech and language therapy"),
    ("SLT", "speech and language therapy"),
    ("speech therapy", "speech and language therapy"),
    ("OT", "occupational therapy"),
    ("ASC", "autism"),
    ("autistic", "autism"),
    ("IASS", "information advice and support"),
    ("respite", "short breaks"),
    ("physio", "physiotherapy"),
    ("EHC plan", "education health and care plan"),
])
def test_synonyms_work_both_ways(client, typed, means):
    by_abbreviation = set(result_slugs(client.get("/search", query_string={"q": typed})))
    in_full = set(result_slugs(client.get("/search", query_string={"q": means})))
    assert by_abbreviation and by_abbreviation == in_full


def test_abbreviation_finds_the_service_on_the_first_page(client, db_session):
    assert "slt-south-east-staffordshire" in result_slugs(client.get("/search?q=salt"))[:3]
    response = client.get("/search?q=camhs")
    assert {"camhs-south-staffordshire", "camhs-central-referral-hub-north-staffordshire"} <= set(
        result_slugs(response)[:4])
    # The CAMHS services come first, then the other mental health services and those named for CAMHS (its autism
    # pathway, an assessment, may come after the mental health services people typing "camhs" want: the learned
    # model's order), before those that only mention it.
    assert all("camhs" in name.lower() for name in names(response)[:2])
    slugs = result_slugs(response)
    mental_health = set(db_session.exec(
        select(Service.slug).join(ServiceAttribute, ServiceAttribute.service_id == Service.id)
        .join(TaxonomyTerm, TaxonomyTerm.id == ServiceAttribute.taxonomy_term_id)
        .where(ServiceAttribute.link_type == "category", TaxonomyTerm.code == "mental-health")))
    named = {slug for slug, name in zip(slugs, names(response), strict=True) if "camhs" in name.lower()}
    assert len(mental_health - named) > 2
    assert set(slugs[:len(mental_health | named)]) == mental_health | named


def test_stemming_matches_other_forms_of_a_word(client):
    assert set(result_slugs(client.get("/search?q=therapies"))) == set(result_slugs(client.get("/search?q=therapy")))
    assert result_slugs(client.get("/search?q=physiotherapists")) == ["childrens-physiotherapy"]


def test_name_weighs_most_and_exact_phrase_ranks_first(client, db_session):
    slugs = result_slugs(client.get("/search?q=short breaks"))
    top = services_for(db_session, slugs[:2])
    assert all("short breaks" in service.name.lower() for service in top.values())


def test_spelling_mistake_is_corrected_when_nothing_matches(client):
    response = client.get("/search?q=autisim")
    text = text_of(response.soup)
    assert "No services matched “autisim”. Showing results for “autism” instead." in text
    assert set(result_slugs(response)) == set(result_slugs(client.get("/search?q=autism")))
    speach = client.get("/search?q=speach")
    assert "Showing results for “speech” instead." in text_of(speach.soup)
    assert speach.soup.find("a", href="/search?q=speech") is None or "speech" in text_of(speach.soup)


@pytest.mark.parametrize(("typed", "meant"), [
    ("speach", "speech"), ("ocupational", "occupational"), ("stamering", "stammering"), ("theraphy", "therapy"),
    ("langauge", "language"),
])
def test_common_misspellings_of_the_thesaurus_words_are_corrected(client, typed, meant):
    # A misspelling kept in the thesaurus as a phrase ("speach therapy") would be a known word, which spelling help
    # leaves alone: typed alone, it would find nothing.
    assert f"Showing results for “{meant}” instead." in text_of(client.get("/search", query_string={"q": typed}).soup)


def test_misspelt_word_among_unknown_ones_is_still_corrected(client):
    text = text_of(client.get("/search?q=qqqqzz+autisim").soup)
    assert "Showing results for “qqqqzz autism” instead." in text
    assert "No service matched all of your words" in text


def facet_counts(response, group: str) -> dict[str, int]:
    counts = {}
    for box in response.soup.select(f"input[name={group}]"):
        label = response.soup.find("label", attrs={"for": box["id"]}).get_text(strip=True)
        counts[box["value"]] = int(label.rsplit("(", 1)[1].rstrip(")"))
    return counts


def test_facet_counts_reflect_the_other_selected_filters(client, db_session):
    response = client.get("/search?category=short-breaks")
    short_breaks = set(db_session.exec(
        select(ServiceAttribute.service_id).join(TaxonomyTerm, TaxonomyTerm.id == ServiceAttribute.taxonomy_term_id)
        .where(TaxonomyTerm.code == "short-breaks", ServiceAttribute.link_type == "category")
    ))
    expected = {}
    for service_id, slug in db_session.exec(
        select(ServiceArea.service_id, District.slug).join(District, District.id == ServiceArea.district_id)
    ):
        if service_id in short_breaks:
            expected[slug] = expected.get(slug, 0) + 1
    assert facet_counts(response, "area") == expected
    # The selected facet's own counts ignore its own selection, so other categories can still be added.
    all_categories = facet_counts(client.get("/search"), "category")
    assert facet_counts(response, "category") == all_categories
    assert heading(response).startswith(f"{len(short_breaks)} services found")


@pytest.mark.parametrize(("group", "value"), [
    ("category", "speech-and-language-therapy"), ("need", "ASD"), ("need", "communication-and-interaction"),
    ("area", "tamworth"), ("referrer", "self"), ("cost", "free"), ("accepting", "yes"),
])
def test_every_facet_narrows_to_its_count(client, group, value):
    counts = facet_counts(client.get("/search?q=children"), group)
    narrowed = client.get("/search", query_string={"q": "children", group: value})
    assert heading(narrowed).startswith(f"{counts[value]} service")
    assert narrowed.soup.find("input", attrs={"name": group, "value": value}).has_attr("checked")


def test_two_values_in_one_facet_widen_and_two_facets_narrow(client):
    one = facet_counts(client.get("/search"), "category")
    both = client.get("/search?category=speech-and-language-therapy&category=occupational-therapy")
    total = int(heading(both).split()[0])
    assert total <= one["speech-and-language-therapy"] + one["occupational-therapy"]
    assert total >= max(one["speech-and-language-therapy"], one["occupational-therapy"])
    narrower = client.get("/search?category=speech-and-language-therapy&area=stoke-on-trent")
    assert int(heading(narrower).split()[0]) < one["speech-and-language-therapy"]


def test_for_my_child_narrows_by_age_and_district(client, db_session):
    response = client.get("/search?q=speech&age=17&postcode=b797bz")
    slugs = result_slugs(response)
    assert slugs
    for service in services_for(db_session, slugs).values():
        assert service.minimum_age <= 17 <= service.maximum_age
        covered = db_session.exec(
            select(District.slug).join(ServiceArea, ServiceArea.district_id == District.id)
            .where(ServiceArea.service_id == service.id)
        ).all()
        assert "tamworth" in covered
    assert "for a child aged 17, in Tamworth" in heading(response)


def test_straddling_postcode_asks_which_district_and_does_not_guess(client):
    response = client.get("/search?q=speech&postcode=ST3+4AA")
    radios = [r["value"] for r in response.soup.select("input[name=district]")]
    assert radios == ["stafford", "staffordshire-moorlands", "stoke-on-trent"]
    assert "in Stoke" not in heading(response) and "in Stafford" not in heading(response)
    assert set(result_slugs(response)) == set(result_slugs(client.get("/search?q=speech")))
    chosen = client.get("/search?q=speech&postcode=ST3+4AA&district=stoke-on-trent")
    assert heading(chosen).endswith("in Stoke-on-Trent")


def test_bad_age_and_postcode_get_clear_errors(client):
    response = client.get("/search?q=speech&age=seven&postcode=B79+7B")
    summary = text_of(response.soup.select_one(".govuk-error-summary"))
    assert "Enter your child's age as a whole number, like 7" in summary
    assert "Enter a real postcode, like B79 7BZ" in summary
    assert response.soup.title.get_text().startswith("Error: Search for services")
    assert response.soup.find("input", id="age")["value"] == "seven"
    assert "Enter an age from 0 to 25" in text_of(client.get("/search?age=40").soup)


def test_results_are_stable_and_ties_go_by_name(client, app):
    first = client.get("/search?q=family")
    assert result_slugs(first) == result_slugs(client.get("/search?q=family"))
    listed = names(client.get("/search?accepting=yes"))
    assert listed == sorted(listed, key=str.casefold)


def test_pagination_pages_through_every_result_once(client):
    page_one = client.get("/search")
    total = int(heading(page_one).split()[0])
    assert total > 20 and len(result_slugs(page_one)) == 20
    assert page_one.soup.select_one(".govuk-pagination")
    page_two = client.get("/search?page=2")
    page_three = client.get("/search?page=3")
    everything = result_slugs(page_one) + result_slugs(page_two) + result_slugs(page_three)
    assert len(everything) == len(set(everything)) == total
    assert "Showing 21 to 40 of" in text_of(page_two.soup)
    assert result_slugs(client.get("/search?page=999")) == result_slugs(page_three)


def test_a_request_can_ask_for_a_longer_page(app):
    index = get_index(app)
    for text in ("", "family"):
        fifty = index.search(SearchRequest(text=text, per_page=50))
        twenties = [index.search(SearchRequest(text=text, page=page)).ids for page in range(1, 4)
                    if (page - 1) * 20 < fifty.total]
        assert len(fifty.ids) == min(50, fifty.total) > 20
        assert fifty.ids == [i for ids in twenties for i in ids][:50]
        assert fifty.pages == -(-fifty.total // 50)


@pytest.mark.parametrize("kwargs", [
    {"text": "speech therapy"}, {"text": "autsim"}, {"text": "trampoline"}, {"text": "", "age": 3},
    {"text": "family", "filters": {"cost": ["free"]}, "age": 7},
])
def test_a_count_only_search_counts_what_the_full_search_finds(app, kwargs):
    index = get_index(app)
    full = index.search(SearchRequest(**kwargs, every_id=True))
    counted = index.search(SearchRequest(**kwargs, every_id=True, count_only=True))
    assert counted.total == full.total and counted.all_ids == full.all_ids
    assert counted.corrected_from == full.corrected_from
    assert counted.ids == [] and counted.facets == {}


def test_the_second_search_for_the_same_words_ranks_the_same(app):
    index = get_index(app)
    for text in ("speech and language therapy", "autism support", "short breaks", "speach"):
        first = index.search(SearchRequest(text=text, per_page=50))
        again = index.search(SearchRequest(text=text, per_page=50))
        assert first.ids and again.ids == first.ids and again.suggestion == first.suggestion


def test_result_rows_are_the_listings_in_the_ranked_order(app, db_session):
    from directory.data.service_search import result_rows
    from directory.data.services import listings_in_order

    ids = get_index(app).search(SearchRequest(text="", per_page=60)).ids[::-1]  # not in the database's order
    ids.insert(3, str(uuid.uuid4()))  # a service gone since the index was read is left out
    rows = result_rows(db_session, ids)
    listings = listings_in_order(db_session, ids)
    assert len(rows) == len(ids) - 1
    assert [(r.slug, r.name, r.summary, r.organisation, r.minimum_age, r.maximum_age, r.wait_weeks,
             r.accepting_referrals, r.self_referral, list(r.districts)) for r in rows] == [
        (li.service.slug, li.service.name, li.service.summary, li.organisation.name, li.service.minimum_age,
         li.service.maximum_age, li.service.wait_weeks, li.service.accepting_referrals, li.self_referral,
         li.districts) for li in listings]
    assert any(r.self_referral for r in rows) and not all(r.self_referral for r in rows)


def test_form_fields_show_what_this_search_typed_not_a_kept_one(client):
    empty = client.get("/search").soup
    assert not empty.find("input", id="age").get("value") and not empty.find("input", id="postcode").get("value")
    typed = client.get("/search?age=7&postcode=ST16+3NE&eligible_only=y").soup
    assert typed.find("input", id="age")["value"] == "7" and typed.find("input", id="postcode")["value"] == "ST16 3NE"
    assert typed.find("input", attrs={"name": "eligible_only"}).has_attr("checked")
    again = client.get("/search?age=seven").soup
    assert again.find("input", id="age")["value"] == "seven" and not again.find("input", id="postcode").get("value")
    assert not again.find("input", attrs={"name": "eligible_only"}).has_attr("checked")
    assert str(client.get("/search").soup.find("form")) == str(empty.find("form"))


def test_a_concept_scored_all_at_once_scores_as_when_skipping_to_a_few_documents(app):
    from directory.search.scoring import TIEBREAK, best_field_scores, bit_numbers, bits_from, score_only
    from directory.search.synonyms import words

    index = get_index(app)
    generation = index._generation()
    searcher = generation.searcher
    concepts = [c for text in ("speech therapy", "autism", "support family", "leek", "physio", "short breaks", "school")
                for c in index._concepts(words(text))]
    assert len(concepts) >= 7
    several_fields = 0
    for concept in concepts:
        matches = 0
        for term in concept.terms:
            matches |= generation.postings(term.fieldname, term.text)
        every = best_field_scores(searcher, concept.terms)
        assert every and set(every) == set(bit_numbers(matches))
        some = bit_numbers(matches)[::3]
        wanted = bits_from(some)
        assert best_field_scores(searcher, concept.terms, lambda _term, w=wanted: w) == {d: every[d] for d in some}
        by_term = best_field_scores(searcher, concept.terms,
                                    lambda term, w=wanted: w & generation.postings(term.fieldname, term.text))
        assert by_term == {d: every[d] for d in some}
        for docnum in some:
            # Each field's own score, as Whoosh scores the term alone: the best, and a share of the rest.
            fields = [s for term in concept.terms for s, _d in score_only(searcher, term, 1 << docnum)]
            assert every[docnum] == pytest.approx(max(fields) + TIEBREAK * (sum(fields) - max(fields)))
            several_fields += len(fields) > 1
    assert several_fields


def test_a_small_score_budget_drops_concepts_and_ranks_the_same(app, monkeypatch):
    from directory.search import SearchIndex, scoring

    index = get_index(app)
    texts = ("speech therapy", "autism support", "short breaks", "family", "speech and language", "leek")
    expected = [SearchIndex(index.root, index.synonyms).search(SearchRequest(text=t, per_page=50)).ids for t in texts]
    monkeypatch.setattr(scoring, "SCORES_KEPT", 30)
    small = SearchIndex(index.root, index.synonyms)
    for _round in range(2):
        assert [small.search(SearchRequest(text=t, per_page=50)).ids for t in texts] == expected
    generation = small._generation()
    assert 0 < generation._scores_kept == sum(len(k.scores) for k in generation._concept_scores.values())
    assert len(generation._concept_scores) < len(texts)


def test_zero_results_explain_and_point_to_impartial_advice(client):
    response = client.get("/search?q=trampoline&category=short-breaks&age=3")
    assert heading(response) == (
        "No services found for “trampoline”, for a child aged 3, filtered by Short breaks and activities"
    )
    assert response.soup.find("a", href="/search?q=trampoline", string="search again without filters")
    advice = text_of(response.soup)
    assert "Get free, impartial advice" in advice and "SENDIASS" in advice


@pytest.mark.parametrize("typed", [
    "x" * 5000, "*", '"', "'", "speech AND OR NOT (", "a*b?c~", "аутизм", "自闭症", "<script>alert(1)</script>",
    "%00", "\u202e", "speech^5", "name:autism", "🙂",
])
def test_any_input_returns_a_page_and_is_shown_escaped(client, typed):
    response = client.get("/search", query_string={"q": typed})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.get_data(as_text=True)


def test_index_follows_commits_but_not_rollbacks(app, client):
    from directory.db import get_session
    from directory.listings import writer

    with app.test_request_context():
        session = get_session()
        service = session.exec(select(Service).where(Service.slug == "staffordshire-sendiass")).one()
        writer.update_service(session, service.id, {"name": "Zebracorn advice line"}, source="lead")
        session.rollback()
    assert search_ids(app, text="zebracorn") == []
    with app.test_request_context():
        session = get_session()
        service = session.exec(select(Service).where(Service.slug == "staffordshire-sendiass")).one()
        writer.update_service(session, service.id, {"name": "Zebracorn advice line"}, source="lead")
        session.commit()
        service_id = str(service.id)
    assert search_ids(app, text="zebracorn") == [service_id]
    assert "Zebracorn advice line" in names(client.get("/search?q=zebracorn"))
    with app.test_request_context():
        session = get_session()
        writer.update_service(session, uuid.UUID(service_id), {"status": "inactive"}, source="lead")
        session.commit()
    assert search_ids(app, text="zebracorn") == []


def test_a_service_is_found_by_what_families_wait_for_and_follows_the_relation(app, client):
    from directory.db import get_session
    from directory.listings import writer

    def change(slug: str, changes: dict) -> str:
        with app.test_request_context():
            session = get_session()
            service = session.exec(select(Service).where(Service.slug == slug)).one()
            entry = writer.service_entry(session, service.id)
            writer.update_service(session, service.id, changes(entry) if callable(changes) else changes,
                                  source="lead")
            session.commit()
            return str(service.id)

    waiting = {"type": "while_you_wait", "service": "young-carers-and-siblings-support"}
    young_carers = search_ids(app, text="young carers siblings")[0]
    advice = change("staffordshire-sendiass", lambda entry: {
        "name": "Zebracorn advice line", "relations": [*entry.get("relations", []), waiting]})
    # The service offered while families wait is found by the words of the one they wait for.
    assert set(search_ids(app, text="zebracorn")) == {advice, young_carers}
    # Renaming the one they wait for changes what finds the other.
    change("staffordshire-sendiass", {"name": "Quokkafish advice line"})
    assert search_ids(app, text="zebracorn") == []
    assert set(search_ids(app, text="quokkafish")) == {advice, young_carers}
    # Without the relation, only the service itself.
    change("staffordshire-sendiass", lambda entry: {"relations": [
        r for r in entry["relations"] if r["type"] != "while_you_wait"]})
    assert search_ids(app, text="quokkafish") == [advice]


def test_the_applications_sessions_refuse_a_listing_change_outside_the_writer(app):
    from directory.db import get_session
    from directory.listings.guard import ListingWriteRefused

    with app.test_request_context():
        session = get_session()
        service = session.exec(select(Service).where(Service.slug == "staffordshire-sendiass")).one()
        service.name = "Changed behind the writer's back"
        with pytest.raises(ListingWriteRefused, match="only through directory.listings.writer"):
            session.flush()
        session.rollback()


def test_search_check_reports_and_repairs_differences(app, runner):
    index = get_index(app)
    some_id = search_ids(app, text="physiotherapy")[0]
    index.update([], deleted_ids=[some_id])
    index.update([{**_document_like(), "id": "00000000-0000-0000-0000-000000000000"}])
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert f"missing: {some_id}" in result.output
    assert "extra:   00000000-0000-0000-0000-000000000000" in result.output
    repaired = runner.invoke(args=["search", "check", "--repair"])
    assert repaired.exit_code == 0 and "Repaired" in repaired.output
    assert runner.invoke(args=["search", "check"]).output.strip() == "The search index matches the database."
    assert some_id in search_ids(app, text="physiotherapy")


def test_an_index_without_a_field_documents_now_have_is_reported_and_rebuilt(app, runner, monkeypatch):
    from directory.db import get_session
    from directory.search import documents as search_documents
    from directory.search import index as search_module

    index = get_index(app)
    current = search_module._schema
    # An index built by an earlier release, before documents had the "waiting" field.
    monkeypatch.setattr(search_module, "_schema", lambda: _without(current(), "waiting"))
    with app.test_request_context():
        index.rebuild({**document, "waiting": None} for document in search_documents.service_documents(get_session()))
    monkeypatch.setattr(search_module, "_schema", current)
    assert not index.has_current_schema()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and "must be built again" in result.output
    assert runner.invoke(args=["search", "check", "--repair"]).exit_code == 0
    assert index.has_current_schema()
    assert runner.invoke(args=["search", "check"]).output.strip() == "The search index matches the database."


def _without(schema, name: str):
    schema.remove(name)
    return schema


def _document_like() -> dict:
    return {"name": "Ghost", "summary": "A ghost", "description": "Nothing", "organisation": "None",
            "keywords": "", "places": "", "category": [], "need": [], "district": [], "referrer": [],
            "cost": [], "accepting": [], "ages": []}


def test_search_rebuild_swaps_in_a_new_index(app, runner):
    index = get_index(app)
    before = index.current.resolve()
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt with 51 services" in result.output
    assert index.current.resolve() != before
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    assert not before.exists(), "only the newest index and the one before it are kept"
    assert len(list(index.root.glob("index-*"))) == 2
    assert search_ids(app, text="salt")


def test_missing_index_is_rebuilt_at_start_up(app):
    from directory.search.sync import ensure_index

    index = get_index(app)
    import shutil
    shutil.rmtree(index.root)
    assert not index.exists()
    ensure_index(app)
    assert index.exists() and len(index.document_ids()) == 51


def test_missing_index_gives_a_clear_page_not_a_500(app, client):
    import shutil

    shutil.rmtree(get_index(app).root)
    response = client.get("/search?q=speech")
    assert response.status_code == 503
    assert response.soup.h1.get_text(strip=True) == "Search is not working at the moment"


def test_an_update_waits_for_another_writer_instead_of_failing(app):
    """Two workers writing at once: the second waits for the lock, then writes; nothing is lost."""
    import threading
    import time

    index = get_index(app)
    held = index._open().writer()
    release = threading.Timer(0.5, held.cancel)
    release.start()
    started = time.perf_counter()
    index.update([{**_document_like(), "id": "11111111-1111-1111-1111-111111111111", "name": "Waited"}])
    assert time.perf_counter() - started >= 0.4
    assert "11111111-1111-1111-1111-111111111111" in index.document_ids()
    release.join()


def test_an_update_during_a_rebuild_lands_in_the_new_index(app, db_session):
    import threading

    from directory.search import sync as search_sync

    index = get_index(app)
    ghost = {**_document_like(), "id": "22222222-2222-2222-2222-222222222222", "name": "Late arrival"}
    def slow_documents():
        yield from search_sync.documents.service_documents(db_session)
        writer_thread.start()  # an update arrives while the rebuild holds the old index's lock
        threading.Event().wait(0.3)

    writer_thread = threading.Thread(target=lambda: index.update([ghost]))
    index.rebuild(slow_documents())
    writer_thread.join()
    assert "22222222-2222-2222-2222-222222222222" in index.document_ids()


def test_a_failed_rebuild_leaves_the_live_index_and_no_leftovers(app):
    index = get_index(app)
    before = index.current.resolve()

    def broken_documents():
        yield {**_document_like(), "id": "33333333-3333-3333-3333-333333333333"}
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        index.rebuild(broken_documents())
    assert index.current.resolve() == before
    assert [p.resolve() for p in index.root.glob("index-*")] == [before]
    assert search_ids(app, text="salt")


def test_start_up_check_on_an_empty_database_reports_and_writes_nothing(fresh_app, caplog):
    from directory.search.sync import ensure_index

    ensure_index(fresh_app)
    assert "database is not ready" in caplog.text
    assert not get_index(fresh_app).root.exists() or not list(get_index(fresh_app).root.glob("index-*"))


def test_a_results_details_are_separate_sentences(client):
    # Areas and the waiting time are written one after the other: "…Tamworth. Waiting time: …", not "Tamworth.Waiting".
    page = client.get("/search?q=short+breaks").soup
    details = [text_of(p) for p in page.select(".app-result p.app-meta") if "Waiting time" in text_of(p)]
    assert details and all(". Waiting time:" in line for line in details if "Areas:" in line)
    assert not any(".Waiting" in line or ".Not taking" in line for line in details)


@pytest.mark.parametrize(("typed", "wanted"), [
    # Signs described, not named: the thesaurus reads them as the need they are a sign of.
    ("he turns the tv up really loud", {"sensory-support-hearing"}),
    ("she sits right up to the tv", {"sensory-support-vision"}),
    ("always wears long sleeves in summer", {"camhs-south-staffordshire",
                                             "camhs-central-referral-hub-north-staffordshire"}),
    # Sensory differences seen at home are often an early sign of autism: the autism services that need no
    # diagnosis (occupational therapy here sees children with a physical difficulty).
    ("he hates the hoover", {"autism-family-support", "autism-and-communication-outreach"}),
    ("needs constant supervision", {"children-with-disabilities-social-work-team"}),
    ("not babbling at 18 months", {"slt-north-and-south-west-staffordshire", "slt-south-east-staffordshire"}),
    ("annual review overdue", {"staffordshire-sendiass"}),
    # Signs seen before any diagnosis: the assessment pathways, and the services that take a child on a worry.
    ("lines up all his cars", {"autism-service-south-staffordshire", "camhs-autism-pathway-north-staffordshire"}),
    ("toddler bangs his head on the floor", {"community-paediatrics-child-development"}),
    ("reads with his nose to the page", {"sensory-support-vision"}),
    ("holds his books right up to his face", {"sensory-support-vision"}),
    # A child with no sense of danger: a sign the developmental and autism services look at, not naughtiness.
    ("no sense of danger", {"autism-family-support", "autism-service-south-staffordshire"}),
    # Asking who to turn to, or saying the school has put nothing in place: impartial advice.
    ("who can i talk to about my sons needs", {"staffordshire-sendiass"}),
    ("there is no support in place at school", {"staffordshire-sendiass"}),
    ("he doesnt know what he wants to do after school", {"preparing-for-adulthood-team"}),
    # A child's talking, in everyday words: speech and language therapy.
    ("help with my childs talking", {"slt-north-and-south-west-staffordshire", "slt-south-east-staffordshire"}),
    # Everyday words for practical help: getting to school, a job, a night's sleep.
    ("bus to special school", {"send-home-to-school-transport"}),
    ("a job for my son", {"preparing-for-adulthood-team"}),
    ("who will have him overnight", {"overnight-short-breaks"}),
    # "phycologist" is an English word (algae), so spelling help leaves it: the thesaurus knows the slip.
    ("phycologist for school", {"educational-psychology-service"}),
    ("he won't leave his bedroom", {"emotional-health-and-wellbeing-service"}),
    ("her brother's disability takes all our time", {"young-carers-and-siblings-support"}),
    ("my neighbour's child is left on his own for hours", {"first-response-childrens-advice-and-support"}),
    # Holding it together at school and falling apart at home is often autism masking.
    ("fine in class but explodes when he gets home", {"autism-family-support", "autism-service-south-staffordshire"}),
    ("diagnosed and discharged with no support", {"early-help-family-support"}),
    ("adhd diagnosed but no help apart from tablets", {"early-help-family-support"}),
    ("got the adhd diagnosis but need help with his behaviour at home", {"early-help-family-support"}),
    # A teenager losing weight is an eating disorder worry for mental health services, not fussy eating.
    ("teenage daughter is hardly eating and losing weight", {"camhs-south-staffordshire",
                                                             "camhs-central-referral-hub-north-staffordshire"}),
    # A decision to challenge, or a plan not being delivered: impartial advice.
    ("the council refused to assess, can I challenge it", {"staffordshire-sendiass"}),
    ("the school is not providing what's in his plan", {"staffordshire-sendiass"}),
    ("someone to talk to about my child's needs", {"staffordshire-sendiass"}),
    # A reduced timetable is an informal exclusion, which families can get impartial advice on.
    ("she has been on a reduced timetable for weeks", {"staffordshire-sendiass"}),
    # A young person asking for help for themself, not support for their parents.
    ("im 16 can i get help myself without telling my parents", {"emotional-health-and-wellbeing-service"}),
    ("mh support for my son", {"camhs-south-staffordshire", "camhs-central-referral-hub-north-staffordshire"}),
    ("my teenager is really down", {"emotional-health-and-wellbeing-service"}),
    ("school isn't helping my son", {"staffordshire-sendiass"}),
    ("the school says there is no money to put the recommendations in place", {"staffordshire-sendiass"}),
    ("ortism assesment", {"autism-service-south-staffordshire", "camhs-autism-pathway-north-staffordshire"}),
    ("unsafe swallow", {"eating-drinking-swallowing-therapy"}),
    # A teenager who won't talk to a parent is withdrawn, not a child with a speech difficulty.
    ("she won't talk to me and has been cutting herself", {"camhs-south-staffordshire",
                                                            "camhs-central-referral-hub-north-staffordshire"}),
    # Violence towards a parent is a safeguarding worry for the children's advice services.
    ("my son is hitting me and smashing things up", {"first-response-childrens-advice-and-support"}),
    # Below the CAMHS threshold: the lower-level emotional health services.
    ("he's been told he doesn't meet camhs threshold", {"emotional-health-and-wellbeing-service"}),
    ("no year 7 placement for september", {"staffordshire-sendiass"}),
    # Tics and Tourette's are assessed by the children's doctors.
    ("tics tourettes", {"community-paediatrics-child-development"}),
    ("he keeps blinking and sniffing and can't stop", {"community-paediatrics-child-development"}),
    ("how do we find out if he's autistic", {"autism-service-south-staffordshire",
                                             "camhs-autism-pathway-north-staffordshire"}),
    ("frightened for my child's safety on a sunday night", {"emergency-duty-service-out-of-hours"}),
    # Parents' shorthand: "ds" is a dear son (not Down syndrome), "sw" a social worker.
    ("ds 16 stays in his room all day", {"emotional-health-and-wellbeing-service"}),
    ("need a sw for my disabled son", {"children-with-disabilities-social-work-team"}),
    ("walking frame for my child", {"childrens-physiotherapy"}),
    ("im 13 and i help look after my mum and my brother", {"young-carers-and-siblings-support"}),
    # A car accident is an injury, not a toileting accident.
    ("she had a car accident and needs help walking again", {"childrens-physiotherapy"}),
    ("doesnt respond when called", {"sensory-support-hearing"}),
    # A school sending a child home or cutting their day is an exclusion families can get impartial advice on.
    ("the school put him on a reduced timetable", {"staffordshire-sendiass"}),
    ("what are her options at 16", {"preparing-for-adulthood-team"}),
    # A parent's own health is the family's, not a matter for children's mental health services.
    ("struggling with my own mental health", {"early-help-family-support", "staffordshire-parent-carer-forum"}),
    # Speech nobody can follow, or a child with a couple of words who leads you to what he wants, is speech.
    ("nobody outside the family can understand what she's saying", {"slt-north-and-south-west-staffordshire",
                                                                   "slt-south-east-staffordshire"}),
    ("he only has a couple of words and pulls me to what he wants", {"slt-north-and-south-west-staffordshire",
                                                                     "slt-south-east-staffordshire"}),
    # A child being hurt at home, or going missing and used by older people, is a worry about a child's safety.
    ("my partner is hurting the kids", {"first-response-childrens-advice-and-support"}),
    ("she keeps going missing and some older lads are using her", {"first-response-childrens-advice-and-support"}),
    # A family new to the area, a young person who has left college, a school that will not listen or says a
    # child is not far enough behind.
    ("we just moved here from another county, how do we get his support set up again",
     {"staffordshire-connects-local-offer", "staffordshire-sendiass"}),
    ("my 20 year old has done nothing since he left college", {"preparing-for-adulthood-team"}),
    ("senco not listening to me", {"staffordshire-sendiass"}),
    ("school say hes not far enough behind for help", {"staffordshire-sendiass"}),
    # Clothes that feel wrong and a child who does not look when called are signs of autism; parents arguing
    # since a diagnosis need support for themselves.
    ("every morning is a battle, her socks and clothes feel wrong", {"autism-family-support"}),
    ("2 year old doesnt look when we call his name", {"autism-family-support",
                                                       "community-paediatrics-child-development"}),
    ("me and my partner argue all the time since the diagnosis", {"parent-carer-needs-assessment"}),
    # A teenager shut in a bedroom is withdrawal, not housing; help "out there" is the directory of it; a school
    # that cannot cope, or a council that never answers, is for impartial advice.
    ("my 15 year old hasnt left his bedroom in weeks and barely speaks to us", {"camhs-south-staffordshire",
                                                                               "emotional-health-and-wellbeing-service"}),
    ("what help is out there for my son", {"staffordshire-connects-local-offer"}),
    ("his special school say they can't cope with him", {"staffordshire-sendiass", "ehc-needs-assessment"}),
    ("emailing the council for months and nobody ever answers", {"staffordshire-sendiass"}),
    # Cuts found on a child's arms and a wish not to be here are self-harm; punching doors is behaviour; a baby who
    # bum shuffles is a physical delay; having a say about services is what the parent carer forum is for.
    ("found cuts on her arms", {"camhs-south-staffordshire", "camhs-central-referral-hub-north-staffordshire"}),
    ("she says she wishes she wasnt here", {"camhs-south-staffordshire"}),
    ("he punches doors when he doesnt get his way", {"early-help-family-support"}),
    ("15 month old bum shuffles", {"childrens-physiotherapy"}),
    ("have my say about send services", {"staffordshire-parent-carer-forum"}),
    # A teenager shut away who sees no point, and one who wants to talk without a parent knowing.
    ("my son barely leaves his bedroom and says there's no point", {"camhs-south-staffordshire",
                                                                    "emotional-health-and-wellbeing-service"}),
    ("im 15 and want to talk to someone without my parents finding out", {"chathealth-school-nursing-text",
                                                                          "emotional-health-and-wellbeing-service"}),
    # Help refused until a diagnosis, or a school place not given, is for impartial advice; a baby born early and
    # behind with everything is a developmental delay; ADHD tablets and nothing else is for early help.
    ("school wont give him any extra help until he has a diagnosis", {"staffordshire-sendiass"}),
    ("he still hasnt been given a place for september", {"staffordshire-sendiass", "ehc-needs-assessment"}),
    ("born at 28 weeks and behind with everything", {"early-years-send-and-portage",
                                                     "community-paediatrics-child-development"}),
    ("ds 11 has adhd meds but no other support", {"early-help-family-support"}),
    ("someone to talk to about my child's school", {"staffordshire-sendiass"}),
    # A parent drinking so a child is not safe; a child helping wash and dress a parent; a parent's own
    # depression; a handful of words at two; a toddler awake till gone midnight (sleep, not a child out at night).
    ("my grandsons mum is drinking heavily and i dont think hes safe at home",
     {"first-response-childrens-advice-and-support"}),
    ("our 10 year old helps wash and dress her dad", {"young-carers-and-siblings-support"}),
    ("diagnosed with depression myself and struggling to look after my disabled son",
     {"early-help-family-support", "parent-carer-needs-assessment"}),
    ("2 year old only has a handful of words", {"slt-north-and-south-west-staffordshire"}),
    ("he's 4 and won't settle till gone midnight then he's up at 5", {"early-help-family-support"}),
])
def test_a_need_described_by_its_signs_finds_the_services_for_it(client, typed, wanted):
    first = result_slugs(client.get("/search", query_string={"q": typed}))[:8]
    assert wanted <= set(first), first


@pytest.mark.parametrize("typed", ["screams at hand dryers", "covers his ears at loud noises", "chews his jumper",
                                   "won't wear socks"])
def test_sensory_differences_in_everyday_words_find_autism_support_before_physical_therapy(client, typed):
    first = result_slugs(client.get("/search", query_string={"q": typed}))
    assert "autism-family-support" in first[:3], first
    assert not [slug for slug in first[:5] if slug.startswith("ot-")], first


@pytest.mark.parametrize("typed", ["meltdowns", "he melts down when we go out"])
def test_meltdowns_are_read_as_a_sign_of_autism_not_as_naughtiness(client, typed):
    # Families of autistic children say "meltdown" for what others call a tantrum: the autism support that needs no
    # diagnosis comes first.
    first = result_slugs(client.get("/search", query_string={"q": typed}))
    assert "autism-family-support" in first[:3], first


@pytest.mark.parametrize("typed", ["supported internship", "college"])
def test_a_service_that_only_mentions_college_in_passing_is_not_about_life_after_school(client, typed):
    # Every school-support category is "Help at school or college": that word alone does not make a service for
    # pupils aged 4 to 16 one about preparing for adulthood.
    first = result_slugs(client.get("/search", query_string={"q": typed}))
    assert first[0] == "preparing-for-adulthood-team", first
    assert "autism-and-communication-outreach" not in first, first


def test_a_parent_called_anxious_is_not_read_as_a_childs_anxiety(client):
    # "They think I'm just an anxious mum" says how the parent was treated: the child's signs decide.
    first = result_slugs(client.get("/search", query_string={
        "q": "the health visitor thinks I'm just an anxious mum but he screams at hand dryers"}))[:5]
    assert "autism-family-support" in first, first
    anxiety = {"camhs-south-staffordshire", "camhs-central-referral-hub-north-staffordshire",
               "emotional-health-and-wellbeing-service", "stoke-stay-well"}
    assert not anxiety & set(first), first


def test_ds_in_a_parents_shorthand_is_not_down_syndrome(client):
    first = result_slugs(client.get("/search", query_string={"q": "ds 16 v low, stays in his room all day"}))[:5]
    assert first and not [slug for slug in first if slug.startswith("slt-")], first


def test_a_toddler_banging_his_head_is_a_sign_for_the_developmental_services_not_self_harm(client):
    first = result_slugs(client.get("/search", query_string={"q": "toddler bangs his head on the floor"}))[:5]
    assert first and not [slug for slug in first if "camhs" in slug], first


def test_a_parents_own_mental_health_is_not_sent_to_childrens_mental_health_services(client):
    first = result_slugs(client.get("/search", query_string={"q": "struggling with my own mental health"}))[:5]
    assert first and not [slug for slug in first if "camhs" in slug], first


@pytest.mark.parametrize("typed", ["we got turned down for an ehcp", "the council won't assess him", "ehcp refused"])
def test_a_refused_ehc_plan_finds_impartial_advice_first(client, typed):
    # A refusal can be challenged: the impartial advice service helps families appeal, so it comes before the
    # council's assessment team, which has already said no.
    first = result_slugs(client.get("/search", query_string={"q": typed}))[:2]
    assert "staffordshire-sendiass" in first, first


@pytest.mark.parametrize("typed", ["ehcp", "help with my sons ehcp", "what is an ehc plan", "ehcp annual review"])
def test_an_ehc_plan_finds_the_impartial_advice_that_helps_with_it_beside_the_council_team(client, typed):
    # EHC plans are what impartial advice services help families with (asking, checking a draft, reviews): every
    # judge wanted it beside the council's team, before the services that give the council advice.
    first = result_slugs(client.get("/search", query_string={"q": typed}))
    assert first[:2] == ["ehc-needs-assessment", "staffordshire-sendiass"], first


@pytest.mark.parametrize("typed, wanted", [
    ("help filling in forms", {"staffordshire-sendiass"}),
    ("i cant understand the letters from the council", {"staffordshire-sendiass"}),
    ("help with money", {"early-help-family-support", "family-hub-cannock-chase", "family-hub-tamworth"}),
    ("struggling with bills", {"early-help-family-support", "family-hub-cannock-chase", "family-hub-tamworth"}),
])
def test_forms_and_money_find_the_people_who_help_not_the_directory_of_services(client, typed, wanted):
    # Help with forms and letters is what impartial advice does, and help with money what family support does: the
    # online directory of everything (the Local Offer) is no answer to either.
    first = result_slugs(client.get("/search", query_string={"q": typed}))
    assert first[0] in wanted and "staffordshire-connects-local-offer" not in first[:3], first
