"""Ranking and spelling help on a small hand-built index (no database): names and best fields above passing
mentions, a soft AND that prefers every word but keeps most-words matches, ties broken by relevance and never by
the alphabet, and spelling help that leaves stop words, contractions and known words alone."""

import uuid

import pytest

from directory.search import SearchIndex, SearchRequest
from directory.search.synonyms import Synonyms
from directory.search.words import as_meant

BLANK = {"summary": "", "description": "", "organisation": "Council", "keywords": "", "places": "",
         "category": [], "need": [], "district": [], "referrer": [], "cost": [], "accepting": [], "ages": []}


def service(name: str, **fields) -> dict:
    return {**BLANK, "id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)), "name": name, **fields}


@pytest.fixture
def index(tmp_path):
    def build(documents: list[dict], groups: list[list[str]] = ()) -> SearchIndex:
        built = SearchIndex(tmp_path / "index", Synonyms([g if isinstance(g, dict) else list(g) for g in groups]))
        built.rebuild(documents)
        return built
    return build


def names(index: SearchIndex, documents: list[dict], text: str) -> list[str]:
    by_id = {d["id"]: d["name"] for d in documents}
    return [by_id[i] for i in index.search(SearchRequest(text=text)).ids]


def test_of_two_services_named_alike_the_one_that_also_says_it_elsewhere_comes_first(index):
    # The same name score for both: the one whose summary and description also speak of it is more about it
    # (before, Whoosh's best-field query dropped its tie breaker and the first one written came first).
    documents = [
        service("Portage group A"),
        service("Portage group B", summary="Portage for under fives.", description="Portage visits at home."),
    ]
    assert names(index(documents), documents, "portage") == ["Portage group B", "Portage group A"]


def test_a_word_in_the_name_beats_the_same_word_repeated_in_every_other_field(index):
    documents = [
        service("Aardvark family centre", summary="Portage visits.", description="Portage. Portage at home.",
                keywords="portage"),
        service("Zebra Portage"),
    ]
    assert names(index(documents), documents, "portage") == ["Zebra Portage", "Aardvark family centre"]


def test_a_service_missing_a_word_keeps_only_its_share_of_the_score(index):
    documents = [
        service("Speech therapy", description="Speech. Speech and talking."),
        service("Clinic for speech and delay", description="Help when speech comes late."),
        *(service(f"Club {n}", description="Lessons.") for n in range(3)),
    ]
    # The service with both words first, though the other says "speech" more: it keeps half its score.
    assert names(index(documents), documents, "speech delay") == ["Clinic for speech and delay", "Speech therapy"]


def test_a_service_named_for_the_main_word_comes_before_passing_mentions_of_every_word(index, monkeypatch):
    from directory.search import index as search
    documents = [
        service("Portage", summary="Portage home visits.", description="Portage for babies and toddlers."),
        service("Family centre", description="Rooms to hire, a café, a library, a garden, parking, and a board "
                                             "of notices about portage and how a referral works."),
        *(service(f"Club {n}", description="Lessons.") for n in range(3)),
    ]
    # Not all-words-first: the passing mentions of both words do not outrank the service named for one of them.
    built = index(documents)
    assert names(built, documents, "portage referral") == ["Portage", "Family centre"]
    # Once a page's worth of services have every word, they come first.
    monkeypatch.setattr(search, "EVERY_WORD_FIRST", 1)
    assert names(built, documents, "portage referral") == ["Family centre", "Portage"]


def test_every_word_first_then_services_missing_one_word_never_fewer(index):
    documents = [
        service("Speech therapy", description="Therapy for children's speech."),
        service("Speech delay clinic", description="Help when speech comes late: a delay in talking."),
        service("Delay repay", description="Trains that are late."),
        service("Swimming club", description="Lessons."),
    ]
    built = index(documents)
    # Both words first; the services with one of them still come, after.
    found = names(built, documents, "speech delay")
    assert found[0] == "Speech delay clinic" and set(found[1:]) == {"Speech therapy", "Delay repay"}
    results = built.search(SearchRequest(text="speech delay"))
    assert not results.matched_any_word



def test_services_missing_several_words_come_only_when_few_services_have_all_but_one(index, monkeypatch):
    from directory.search import index as search
    documents = [
        service("School transport", description="Travel to school for children who cannot use the normal bus."),
        service("Bus passes", description="A bus pass for a young person."),
        service("Walking club", description="Walks far from town."),
        *(service(f"Swimming club {n}", description="Lessons.") for n in range(4)),
    ]
    built = index(documents)
    text = "school is too far away and she cant use the normal bus"
    # No listing holds every word, or all but one: those holding some of them come, the one with most first,
    # rather than nothing at all.
    found = names(built, documents, text)
    assert found == ["School transport", "Bus passes", "Walking club"]
    assert built.search(SearchRequest(text=text)).matched_any_word
    found = names(built, documents, "far town school bus")
    assert found[0] == "School transport" and set(found) == {"School transport", "Walking club", "Bus passes"}
    # Once enough services hold all the words but one, those holding fewer are left out.
    monkeypatch.setattr(search, "SHOWN_AT_LEAST", 1)
    assert names(built, documents, "far town school bus") == ["School transport", "Walking club"]


def test_a_word_most_services_use_neither_narrows_nor_counts(index):
    documents = [service(f"Club {n}", description="For children and young people.") for n in range(4)]
    documents.append(service("Sensory support", description="Hearing and vision support for children."))
    built = index(documents)
    # "children" is in every listing: "sensory children" finds the sensory service alone, as "all words".
    assert names(built, documents, "sensory children") == ["Sensory support"]
    assert not built.search(SearchRequest(text="sensory children")).matched_any_word


def test_equal_scores_are_not_ordered_by_the_alphabet(index):
    # Three services that say "portage" once in their description, the same way: the one named most plainly for
    # what was asked comes first, not the first in the alphabet.
    documents = [service(name, description="Portage.") for name in
                 ("Aaron's very long named early years and family support", "Beth's early years", "Zed")]
    assert names(index(documents), documents, "portage") == [
        "Zed", "Beth's early years", "Aaron's very long named early years and family support"]


def test_thesaurus_groups_rank_by_the_field_they_are_found_in(index):
    documents = [
        service("Aardvark hub", description="We can help with an EHCP."),
        service("Zulu education health and care plan team"),
    ]
    built = index(documents, groups=[["ehcp", "education health and care plan"]])
    assert names(built, documents, "ehcp") == ["Zulu education health and care plan team", "Aardvark hub"]


@pytest.mark.parametrize("text", ["my child wont talk", "he cant sit still", "doesnt sleep", "my son and"])
def test_spelling_help_leaves_stop_words_and_contractions_alone(index, text):
    documents = [service("Want to talk", description="Sit still and sleep. Can do."),
                 service("Son et lumiere"), service("Wont")]
    assert index(documents).search(SearchRequest(text=text)).suggestion is None


def test_spelling_help_leaves_known_words_and_thesaurus_words_alone(index):
    documents = [service("Handwriting help", description="Fine motor skills and handwriting."),
                 service("Dyslexia support", description="Reading and writing.")]
    built = index(documents, groups=[["dyspraxia", "developmental coordination disorder"]])
    # "dyspraxia" is one letter from nothing here but is a condition the thesaurus knows: never "corrected".
    for text in ("dyspraxia", "handwriting", "fine motor"):
        assert built.search(SearchRequest(text=text)).suggestion is None, text


def test_spelling_help_suggests_from_the_directory_and_the_thesaurus(index):
    documents = [service("Autism outreach", description="Support for autistic children."),
                 service("Dyslexia support", description="Reading and writing.")]
    built = index(documents, groups=[["dyspraxia", "developmental coordination disorder"]])
    assert built.search(SearchRequest(text="autsm outreach")).suggestion == "autism outreach"
    assert built.search(SearchRequest(text="dispraxia")).suggestion == "dyspraxia"
    # The original words found something: the results stay theirs and the suggestion is only offered.
    found = built.search(SearchRequest(text="dyslexia suport"))
    assert found.ids and found.corrected_from is None and found.suggestion == "dyslexia support"


def test_a_misspelt_word_counts_as_the_word_it_is_nearest_when_the_others_found_something(index):
    documents = [service("Children's occupational therapy", description="Therapy for handwriting."),
                 service("Art therapy club", description="Therapy through painting."),
                 service("Speech and language therapy", description="Speech, talking and understanding.")]
    built = index(documents)
    found = built.search(SearchRequest(text="speach therapy"))
    # "therapy" alone found all three; the page stays the typed words' (Did you mean, not replaced), but the
    # service for the word the person meant comes first instead of whichever therapy sorts highest.
    assert found.corrected_from is None and found.suggestion == "speech therapy"
    assert names(built, documents, "speach therapy")[0] == "Speech and language therapy"
    # The honest message: no service matched every word as typed.
    assert found.matched_any_word


@pytest.mark.parametrize("text", ["hits other kids", "bangs his head on the floor", "wears ear defenders",
                                  "only eats beige food", "upset when we leave"])
def test_spelling_help_leaves_english_words_alone(index, text):
    # Each word here is one or two letters from a word in these listings ("hubs", "binge", "for", "west",
    # "being", "uses", "lift"), but is an English word the family meant.
    documents = [service("Family hubs", description="Binge eating support, for the west of the county."),
                 service("Being active", description="Uses the lift to get to the pool. School leaver groups.")]
    found = index(documents).search(SearchRequest(text=text))
    assert found.suggestion is None and found.corrected_from is None


def test_an_english_word_is_corrected_when_the_correction_makes_a_thesaurus_phrase(index):
    documents = [service("Short breaks for disabled children", description="Activities and clubs."),
                 service("Car repairs", description="Short lessons on breaks in your exhaust.")]
    built = index(documents, groups=[["short breaks", "respite"]])
    # "brakes" is an English word, but "short breaks" is what the family meant: a phrase the thesaurus knows.
    assert built.search(SearchRequest(text="short brakes")).suggestion == "short breaks"
    assert names(built, documents, "short brakes")[0] == "Short breaks for disabled children"
    # Alone, or beside words that make no phrase, it is left as typed.
    assert built.search(SearchRequest(text="brakes")).suggestion is None
    assert built.search(SearchRequest(text="car brakes")).suggestion is None


def test_words_about_the_person_asking_ask_for_nothing(index):
    documents = [service("Child development clinic", description="Checks on a baby's development."),
                 service("Anxiety service", description="For children who are worried or anxious.")]
    built = index(documents, groups=[["anxiety", "worried", "anxious"]])
    # "worried about my" is the parent's worry: the search is for development, not anxiety.
    assert names(built, documents, "i'm worried about my baby's development") == ["Child development clinic"]
    # The child's own worries are still anxiety.
    assert names(built, documents, "he is worried about school")[0] == "Anxiety service"


def test_a_service_named_by_a_thesaurus_phrase_comes_before_others_in_its_group(index):
    documents = [service("Overnight short breaks", description="Short breaks with an overnight stay."),
                 service("Aiming High short breaks", description="Activities for disabled children.")]
    built = index(documents, groups=[["short breaks", "aiming high", "respite"]])
    # "aiming high" is the short breaks group, and the very words of one service's name.
    assert names(built, documents, "aiming high") == ["Aiming High short breaks", "Overnight short breaks"]


def test_two_words_run_together_are_suggested_apart(index):
    documents = [service("Short breaks for disabled children", description="Activities and clubs."),
                 service("Family hub", description="Help for families.")]
    built = index(documents)
    found = built.search(SearchRequest(text="shortbreaks"))
    assert found.suggestion == "short breaks" and found.corrected_from == "shortbreaks"
    assert names(built, documents, "shortbreaks") == ["Short breaks for disabled children"]
    # Three words, the middle one a joining word.
    documents.append(service("Speech and language therapy", description="Talking and understanding."))
    built = index(documents)
    assert built.search(SearchRequest(text="speechandlanguage")).suggestion == "speech and language"
    assert names(built, documents, "speechandlanguage therapy")[0] == "Speech and language therapy"
    # Stop words are not halves ("andthe" is not offered as "and the"), and known words are never split. (With no
    # thesaurus, "andthe" once made Whoosh's word-list corrector read past its end: a 500.)
    assert built.search(SearchRequest(text="andthe")).suggestion in (None, "")
    assert built.search(SearchRequest(text="families")).suggestion is None


def test_two_letters_swapped_are_put_back_first(index):
    documents = [service("EHC needs assessments", description="For an EHCP."), service("Each and every club")]
    built = index(documents, groups=[["ehcp", "education health and care plan"]])
    found = built.search(SearchRequest(text="echp"))
    # "each" is one letter away as Levenshtein counts; the swap back to "ehcp" is what the person meant.
    assert found.suggestion == "ehcp" and found.corrected_from == "echp"
    assert [d["name"] for d in documents if d["id"] in found.ids] == ["EHC needs assessments"]


def test_where_the_person_is_not_known_a_service_for_more_of_the_area_comes_first(index):
    documents = [service("Speech help A", description="Speech therapy.", district=["moorlands"]),
                 service("Speech help B", description="Speech therapy.",
                         district=["moorlands", "stafford", "tamworth"])]
    built = index(documents)
    by_id = {d["id"]: d["name"] for d in documents}
    # The same words, the same way: the one that more families can use first.
    assert names(built, documents, "speech therapy") == ["Speech help B", "Speech help A"]
    # Once the area is known, both serve it: the wider one has no advantage (a true tie, in index order).
    for request in (SearchRequest(text="speech therapy", filters={"district": ["moorlands"]}),
                    SearchRequest(text="speech therapy", district="moorlands")):
        assert [by_id[i] for i in built.search(request).ids] == ["Speech help A", "Speech help B"]


def test_a_concept_said_twice_counts_once(index):
    documents = [service("Autism support", description="For autistic children and their families."),
                 *(service(f"Club {n}", description="Lessons at school, then home.") for n in range(2))]
    built = index(documents, groups=[["autism", "masks at school", "falls apart at home"]])
    # Autism twice: one concept, so the service for it has every concept (no "some of the words" message).
    from directory.search.synonyms import words
    assert len(built._concepts(words("she masks at school then falls apart at home"))) == 1
    found = built.search(SearchRequest(text="she masks at school then falls apart at home"))
    assert names(built, documents, "she masks at school then falls apart at home")[0] == "Autism support"
    assert not found.matched_any_word


def test_a_concept_said_several_ways_weighs_more_than_one_said_once(index):
    # Named for one concept each, the same fields: autism is said three ways, nursery once, so the query is about
    # autism (before, each counted once and the nursery service came first, its name shorter).
    documents = [service("Nursery help", summary="For children at nursery."),
                 service("Autism family help", summary="For families of autistic children.")]
    built = index(documents, groups=[["autism", "autistic", "lines up his cars", "covers his ears"],
                                     ["nursery", "preschool"]])
    text = "lines up his cars and covers his ears at nursery, could it be autism"
    assert names(built, documents, text) == ["Autism family help", "Nursery help"]
    # Said once each, neither is the query's subject: the usual order (the shorter name first) stands.
    assert names(built, documents, "autism at nursery") == ["Nursery help", "Autism family help"]


def test_a_thesaurus_phrase_of_words_that_ask_for_nothing_asks_for_nothing(index):
    documents = [service("Autism support", description="Help as you wait for an assessment."),
                 *(service(f"Club {n}", description="Lessons.") for n in range(3))]
    # "while" is in a spelling group with "whilst": still not something the family is looking for.
    built = index(documents, groups=[["whilst", "while"], ["autism", "autistic"]])
    found = built.search(SearchRequest(text="autism support whilst waiting"))
    assert names(built, documents, "autism support whilst waiting") == ["Autism support"]
    assert not found.matched_any_word


def test_words_that_say_how_often_ask_for_nothing(index):
    documents = [service("Anger and behaviour support", description="For children who are angry."),
                 service("Always open club", description="We are always here.")]
    built = index(documents)
    # "always" is not what the family is looking for: it neither narrows the results nor ranks the club first.
    assert names(built, documents, "he's always angry") == ["Anger and behaviour support"]
    assert names(built, documents, "she keeps getting angry") == ["Anger and behaviour support"]


def test_the_need_asked_about_weighs_more_than_the_place_it_happens(index):
    documents = [service("School support", summary="For children who hit out."),
                 service("Hitting support", summary="For children at school.")]
    built = index(documents, groups=[["hits", "hitting", "hit out"]])
    # The same words in the same fields, the other way round: "hits" is a need the thesaurus knows, "school" is
    # where it happens, so the service named for the need comes first.
    assert names(built, documents, "hits other kids at school") == ["Hitting support", "School support"]


def test_little_words_ask_for_nothing_alone_but_keep_their_phrase(index):
    documents = [service("Moving school support", description="Help when a child changes school."),
                 service("Up and about club", description="Climbing and games."),
                 service("Out and about club", description="Walks.")]
    built = index(documents, groups=[["moving up", "moving school", "transition"]])
    from directory.search.synonyms import words
    # "up" alone is not something anyone looks for; in "moving up" it is a move to a new school.
    assert [c.name_term.text for c in built._concepts(words("help with moving up"))] == ["syn0"]
    assert built._concepts(words("help getting up")) == []
    assert names(built, documents, "moving up") == ["Moving school support"]


def test_a_service_is_found_by_the_needs_its_listing_gives_not_the_whole_area_around_them(index):
    # The need facet widens a type to its area (an autism service is in "communication and interaction"), but a
    # group for the whole area does not make every service in it a match: an autism service is not for stammering.
    documents = [service("Autism team", need=["ASD", "communication-and-interaction"], listed=["ASD"]),
                 service("Talking team", need=["communication-and-interaction", "ASD", "SLCN"],
                         listed=["communication-and-interaction"])]
    built = index(documents, groups=[{"phrases": ["stammer"], "needs": ["communication-and-interaction"]}])
    assert names(built, documents, "stammer") == ["Talking team"]


def test_a_service_more_people_may_refer_to_comes_first_other_things_equal(index):
    documents = [service("Speech help A", description="Speech therapy.", referrer=["paediatrician"],
                         district=["moorlands"]),
                 service("Speech help B", description="Speech therapy.", referrer=["self", "gp", "senco"],
                         district=["moorlands"]),
                 service("Speech help C", description="Speech therapy.", district=["moorlands"])]
    built = index(documents)
    by_id = {d["id"]: d["name"] for d in documents}
    # The same words, the same way: the one families, GPs and schools can all ask for first; the one nobody can
    # ask for directly last. With the area known too: it is about who can reach the service, not where.
    for request in (SearchRequest(text="speech therapy"), SearchRequest(text="speech therapy", district="moorlands")):
        assert [by_id[i] for i in built.search(request).ids] == ["Speech help B", "Speech help A", "Speech help C"]


def test_a_service_nobody_can_ask_for_directly_comes_after_one_they_can(index):
    # Overnight breaks are arranged only after a social work assessment: no one can refer to them directly. Its
    # listing says "short breaks" more (in its summary and description too), but the club families can book comes
    # first.
    documents = [service("Short breaks overnight", summary="Short breaks, overnight short breaks.",
                         description="Short breaks overnight."),
                 service("Short breaks club", referrer=["self"]),
                 service("Family centre", referrer=["self", "gp", "senco", "health_visitor", "social_worker"])]
    built = index(documents)
    assert names(built, documents, "short breaks") == ["Short breaks club", "Short breaks overnight"]


def test_the_exact_phrase_in_a_name_is_weighed_with_the_prior_like_the_rest_of_the_score(index):
    # Both names hold "autism assessment"; the shorter fits it a little better, but nobody can ask for it directly.
    # The phrase's boost used to be added after the prior, so it decided alone.
    documents = [service("Autism assessment"),
                 service("Autism assessment and support", referrer=["self", "gp", "senco"])]
    assert names(index(documents), documents, "autism assessment") == ["Autism assessment and support",
                                                                       "Autism assessment"]


def test_a_need_the_thesaurus_knows_counts_however_many_services_mention_it(index):
    documents = [*(service(f"Autism support {n}", description="For autistic children who have meltdowns.")
                   for n in range(6)),
                 service("Removals club", description="Moves furniture."),
                 *(service(f"Club {n}", description="Lessons.") for n in range(3))]
    built = index(documents, groups=[["autism", "autistic", "lines up his toys"], ["meltdowns", "melts down"]])
    found = names(built, documents, "lines up his toys and melts down if anyone moves them")
    # Autism and meltdowns are in most of these listings, but they are what the family describes: the one
    # service that says "moves" does not come first, or alone, because every other concept is common.
    assert found[0].startswith("Autism support") and len(found) == 7


def test_a_service_only_children_with_a_diagnosis_can_have_comes_after_one_without_that_need(index):
    # The same words and the same people who may refer: the team that takes children whose hearing is only a worry
    # comes before the one for a diagnosed hearing loss, which is rarely where a family describing signs starts.
    documents = [service("Hearing team", description="Hearing. Hearing.", referrer=["gp"], requires=["diagnosis"]),
                 service("Hearing clinic", description="Hearing.", referrer=["gp"])]
    assert names(index(documents), documents, "hearing") == ["Hearing clinic", "Hearing team"]
    documents = [{**document, "requires": []} for document in documents]
    assert names(index(documents), documents, "hearing") == ["Hearing team", "Hearing clinic"]


def test_a_service_named_for_one_need_of_several_keeps_more_than_its_plain_share(index, monkeypatch):
    """A long description of a child names more than any one listing says: the service named for one of the needs
    keeps its share to SHARE_EXPONENT, so it is not buried under a notice board that mentions every word."""
    from directory.search import index as search
    documents = [
        service("Sleep clinic", summary="Sleep help."),
        service("Family centre", description="Weekly talks: sleep, toddlers, biting, and sleep again."),
        *(service(f"Club {n}", description="Lessons.") for n in range(3)),
    ]
    built = index(documents)
    assert names(built, documents, "sleep toddlers biting") == ["Sleep clinic", "Family centre"]
    monkeypatch.setattr(search, "SHARE_EXPONENT", 1.0)  # the plain share: the notice board came first
    assert names(built, documents, "sleep toddlers biting") == ["Family centre", "Sleep clinic"]


def test_texting_shorthand_and_a_dropped_g_are_read_as_the_words_they_stand_for(index):
    documents = [service("Coping with meltdowns", summary="For parents who cannot cope."),
                 service("Talking group", summary="For children who are not talking yet."),
                 service("Club", description="Games.")]
    built = index(documents, groups=[["can't cope", "not coping"], ["not talking", "doesn't talk"]])
    assert as_meant(["cnt", "cope", "wiv", "his", "meltdowns"]) == ["cant", "cope", "with", "his", "meltdowns"]
    assert as_meant(["need", "a", "brk"]) == ["need", "a", "break"]
    assert as_meant(["not", "talkin", "nothin", "begin", "kin", "s", "e", "n"]) == [
        "not", "talking", "nothing", "begin", "kin", "s", "e", "n"]
    assert as_meant("cant get him 2 school help 4 my son".split()) == "cant get him to school help for my son".split()
    assert as_meant("only 2 words at 4 years old 2 a day".split()) == "only 2 words at 4 years old 2 a day".split()
    assert names(built, documents, "cnt cope wiv his meltdowns") == ["Coping with meltdowns"]
    results = built.search(SearchRequest(text="3yo not talkin"))
    assert names(built, documents, "3yo not talkin") == ["Talking group"] and results.suggestion is None
