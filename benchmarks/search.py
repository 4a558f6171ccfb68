"""Search benchmark: synthetic SEND directories of 1,000 / 10,000 / 100,000 services, timed through the app.

How to run (from the project root, with the project venv):

    .venv/bin/python -m benchmarks.search                          # sizes 1000 10000 100000, 300 queries each
    .venv/bin/python -m benchmarks.search --sizes 1000 10000 --queries 300 --workdir /tmp/send-bench
    .venv/bin/python -m benchmarks.search --sizes 10000 --profile  # also cProfile the app's requests
    .venv/bin/python -m benchmarks.search --serve --serve-size 10000   # gunicorn (2 workers) + wrk

What it measures, for each size N (N services in total: the 51 real seed services plus N - 51 synthetic ones):

1. Generation: a SQLite database with the real schema (Alembic migrations), the real seed (places, taxonomies,
   services), then synthetic organisations and services bulk-inserted with SQLAlchemy Core, from a fixed random
   seed, with SEND vocabulary, 1-8 districts, 1-2 categories, 1-4 needs, 2-8 referrer roles and a cost option.
2. Index build: `directory.search.sync.rebuild` into a fresh folder, timed.
3. App time: `create_app(...)` and its test client; each `/search?...` request is timed with
   `time.perf_counter` around `client.get(url)`: parsing the form, the search (synonyms, spelling, filters,
   facet counts, ranking), loading the listed rows from the database and rendering the page. No network.
4. Raw Whoosh time for the same queries: one searcher on the same index, a plain `MultifieldParser` query
   (AND of the words) with the filters as `Term`s, `searcher.search(query, limit=20)`: no synonyms, no
   spelling help, no facet counts, no database, no HTML. The ratio app p95 / raw p95 is the app's overhead.
5. Freshness: on a copy of the data, one service renamed and committed through the app's session (the
   after-commit hook updates the index); the time from just before commit until a search finds the new name.

The query list is the same on every run and for every size (fixed seed), in three kinds of about equal
numbers: "text" (1-3 words, including abbreviations and towns), "text+2 filters" and "filters only".

Generated databases and indexes are cached in --workdir, keyed by size and FORMAT_VERSION; a re-run reuses
them (applying any newer migrations to the database in place) and prints the build time measured when the
index was built (use --rebuild to generate and build again, e.g. after the index's documents change).

`--serve` starts `gunicorn -w 2` on 127.0.0.1 for one size and runs `wrk -t2 -c8 -d15s` against a fixed
search URL, a rotating set of search URLs (Lua script) and `/health`, then stops gunicorn. Needs `wrk` on PATH.
Only loopback traffic; every run is bounded in time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import insert
from sqlmodel import Session, select

from directory import migrate
from directory.config import PROJECT_ROOT
from directory.db import make_engine
from directory.listings.writer import update_service
from directory.models import (
    CostOption,
    District,
    Organisation,
    Service,
    ServiceArea,
    ServiceAttribute,
    Taxonomy,
    TaxonomyTerm,
)
from directory.models.taxonomy import CATEGORIES, NEED_AREAS, REFERRER_ROLES, SEN_TYPES
from directory.search import SearchIndex, SearchRequest
from directory.search.sync import rebuild
from directory.search.synonyms import Synonyms
from directory.seed import apply_seed, load_seed

# Bump when the generator or the index's schema changes, so that cached databases and indexes are not reused by
# mistake (2: documents store their listing revision).
FORMAT_VERSION = 2
DATA_SEED = 20260301
QUERY_SEED = 424242
DEFAULT_SIZES = (1000, 10000, 100000)
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "send-directory-bench"
SEED_PATH = PROJECT_ROOT / "seed_data"
THESAURUS_PATH = SEED_PATH / "thesaurus.json"
WARMUP = 20
CHUNK = 2000  # synthetic services generated and inserted per batch
KINDS = ("text", "text+2 filters", "filters only")
# Search-page parameter -> index facet field.
PARAM_FIELDS = {"category": "category", "need": "need", "area": "district", "referrer": "referrer",
                "cost": "cost", "accepting": "accepting"}
RAW_TEXT_FIELDS = ["name", "summary", "description", "keywords", "organisation", "places"]

# --- SEND vocabulary ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """One kind of help: how services of this category are named and described, and what families type."""

    category: str
    weight: float
    names: tuple[str, ...]  # service-name nouns
    what: tuple[str, ...]  # summary phrases: "<what> for children and young people ..."
    sentences: tuple[str, ...]  # description sentences
    needs: tuple[str, ...]  # need-area and SEN-type codes
    queries: tuple[str, ...]  # what families search for


TOPICS = (
    Topic("speech-and-language-therapy", 6, (
        "Speech and Language Therapy", "Children's Speech and Language Therapy Service", "Talking Together Group",
        "Communication Drop-in", "Stammering Support Clinic", "Speech and Language Therapy (SALT)"), (
        "speech, language and communication support", "speech and language therapy",
        "help with talking and understanding"), (
        "Our speech and language therapists (SALT) assess children who find it hard to talk, understand or be "
        "understood.",
        "We help with stammering, unclear speech, late talking and using language with other people.",
        "Therapists also support children who have difficulties with eating, drinking and swallowing safely.",
        "We show parents and school staff simple ways to build communication into everyday routines.",
        "Some children use signing, symbols or communication aids, and we help everyone around them learn these.",
        "Group sessions focus on attention and listening, vocabulary and taking turns in conversation."),
        ("communication-and-interaction", "SLCN", "ASD", "cognition-and-learning"),
        ("speech", "speech therapy", "salt", "slt", "stammering", "talking", "language", "communication")),
    Topic("occupational-therapy", 4, (
        "Children's Occupational Therapy", "Sensory Processing Clinic", "Handwriting and Motor Skills Group",
        "Occupational Therapy (OT) Service", "Equipment and Adaptations Service"), (
        "occupational therapy", "help with everyday skills and sensory needs", "equipment and adaptations"), (
        "Our occupational therapists (OT) help children with everyday skills such as dressing, eating and "
        "handwriting.",
        "We assess sensory processing and suggest strategies for home and school.",
        "We can recommend equipment, seating and changes to the home so that your child can move about safely.",
        "Sessions build fine motor skills, coordination and independence.",
        "We work closely with schools so that support carries on in the classroom."),
        ("sensory-physical", "PD", "MSI", "ASD"),
        ("occupational therapy", "ot", "sensory", "handwriting", "equipment", "sensory processing")),
    Topic("physiotherapy", 3, (
        "Children's Physiotherapy", "Physio Clinic", "Hydrotherapy Sessions", "Movement and Balance Group"), (
        "physiotherapy", "help with movement, balance and posture"), (
        "Our physiotherapists help children with movement, balance, posture and physical development.",
        "We see children with cerebral palsy, developmental delay, muscle conditions and injuries.",
        "Hydrotherapy sessions in a warm pool help children who find moving on land difficult.",
        "We advise on wheelchairs, standing frames, splints and exercise programmes for home.",
        "Physio can take place at home, at clinic or at school."),
        ("sensory-physical", "PD", "PMLD"),
        ("physiotherapy", "physio", "hydrotherapy", "wheelchair", "cerebral palsy", "movement")),
    Topic("mental-health", 6, (
        "CAMHS", "Emotional Wellbeing Service", "Young Minds Counselling", "Anxiety Support Group",
        "Mental Health Support Team in Schools", "Child and Adolescent Mental Health Service (CAMHS)"), (
        "mental health and emotional wellbeing support", "counselling and emotional support",
        "help with worries, anxiety and low mood"), (
        "We support children and young people with anxiety, low mood, self-harm and other mental health needs.",
        "Young people can talk to a trained counsellor in confidence, in person or online.",
        "Specialist CAMHS clinicians offer assessment and therapy for more complex needs.",
        "Parents can join workshops on supporting a child who is anxious or struggling to go to school.",
        "We work alongside schools, GPs and social care so that families do not have to repeat their story."),
        ("social-emotional-mental-health", "SEMH"),
        ("mental health", "camhs", "anxiety", "counselling", "wellbeing", "low mood", "self harm")),
    Topic("autism-and-adhd", 5, (
        "Autism Assessment Service", "ADHD Clinic", "Neurodevelopmental Pathway", "Autism Support Group",
        "ASD and ADHD Assessment Team", "Neurodiversity Support Service"), (
        "autism and ADHD assessment", "support for autistic children and their families",
        "neurodevelopmental assessment and support"), (
        "We assess children and young people who may be autistic or have ADHD.",
        "After a diagnosis we offer workshops for parents on understanding autism and ADHD.",
        "You do not need a diagnosis to come to our support sessions.",
        "Our team includes paediatricians, psychologists and speech and language therapists.",
        "We explain the assessment process, what happens while you wait and what support is available."),
        ("communication-and-interaction", "ASD", "social-emotional-mental-health", "SEMH"),
        ("autism", "adhd", "asd", "autistic", "diagnosis", "autism assessment", "neurodiversity")),
    Topic("information-and-advice", 2, (
        "SEND Information Point", "Local Offer Help Desk", "Family Information Service"), (
        "information and advice about SEND", "help finding SEND services"), (
        "We give families clear information about SEND support, services and activities nearby.",
        "We can explain how EHC plans, SEN support and school admissions work.",
        "Our advisers help you find the right service and contact it for you if you wish."),
        ("communication-and-interaction", "cognition-and-learning", "social-emotional-mental-health",
         "sensory-physical"),
        ("advice", "information", "local offer", "ehcp", "ehc plan")),
    Topic("impartial-advice", 0.5, (
        "SENDIASS", "Independent SEND Advice Line", "Tribunal Support Service"), (
        "free, impartial and confidential SEND advice",), (
        "We give free, impartial and confidential advice about SEND law, EHC needs assessments and appeals.",
        "An adviser can come to meetings with you and help you prepare for tribunal.",
        "We are run at arm's length from the council and the NHS."),
        ("communication-and-interaction", "cognition-and-learning", "social-emotional-mental-health",
         "sensory-physical"),
        ("sendiass", "ehcp", "tribunal", "impartial advice", "appeal")),
    Topic("short-breaks", 5, (
        "Short Breaks", "Aiming High Holiday Club", "Saturday Club", "Overnight Short Breaks", "Youth Club",
        "Respite Service"), (
        "short breaks and activities", "holiday clubs and short breaks", "respite for families"), (
        "Short breaks give disabled children a chance to have fun, make friends and try new activities.",
        "Parents and carers get a break from caring while their child enjoys the sessions.",
        "Activities include swimming, trampolining, cooking, sports and days out.",
        "Staff are trained in personal care, medication and positive behaviour support.",
        "Overnight short breaks are available for children with complex needs, arranged through social care."),
        ("communication-and-interaction", "cognition-and-learning", "SLD", "PMLD", "ASD", "PD"),
        ("short breaks", "respite", "aiming high", "holiday club", "activities", "youth club")),
    Topic("educational-psychology", 1, ("Educational Psychology Service",), (
        "educational psychology",), (
        "Educational psychologists look at how a child learns and what helps them at school.",
        "We contribute advice to EHC needs assessments.",
        "We work with schools on training, consultation and support after critical incidents."),
        ("cognition-and-learning", "MLD", "SPLD", "SEMH"),
        ("educational psychologist", "learning", "ehc needs assessment")),
    Topic("education-support", 5, (
        "SEND Inclusion Team", "Dyslexia Support", "Learning Support Service", "Specialist Teaching Service",
        "SENCO Network", "Home Tuition Service"), (
        "support for learning in school", "specialist teaching and SEN support", "dyslexia support"), (
        "We help schools and settings meet the needs of children with SEND at SEN support and with an EHC plan.",
        "Specialist teachers assess literacy, numeracy and dyslexia and suggest teaching strategies.",
        "We advise SENCOs on reasonable adjustments, access arrangements and transition between schools.",
        "Children who cannot attend school because of their health may get teaching at home or in hospital.",
        "We train school staff in communication, autism, behaviour and literacy."),
        ("cognition-and-learning", "MLD", "SPLD", "SLD", "communication-and-interaction"),
        ("school", "dyslexia", "senco", "ehc plan", "learning", "tuition", "sen support")),
    Topic("sensory-support", 2, (
        "Hearing Impairment Team", "Vision Support Service", "Sensory Inclusion Service",
        "Deaf Children's Group", "Visual Impairment Outreach"), (
        "support for children who are deaf or have a visual impairment", "sensory support"), (
        "Qualified teachers of the deaf and of children with vision impairment support children from diagnosis.",
        "We advise on hearing aids, radio aids, braille, large print and mobility training.",
        "We visit homes, nurseries and schools and help staff adapt how they teach.",
        "Families can meet other families at our regular groups and events."),
        ("sensory-physical", "HI", "VI", "MSI"),
        ("hearing", "deaf", "vision", "visual impairment", "blind", "sensory", "hearing loss")),
    Topic("early-years", 2, (
        "Portage", "Early Years SEND Team", "Stay and Play", "Nursery Inclusion Service"), (
        "early years support for young children with SEND", "portage home visiting"), (
        "Portage home visitors help families of pre-school children with SEND learn through play.",
        "We support nurseries and childminders to include young children with additional needs.",
        "Stay and play sessions are a relaxed way to meet other parents of toddlers."),
        ("communication-and-interaction", "cognition-and-learning", "PMLD", "SLCN"),
        ("portage", "nursery", "early years", "toddler", "stay and play")),
    Topic("family-hubs", 3, ("Family Hub", "Family Centre", "Children's Centre"), (
        "a local place for families to get help and advice",), (
        "The family hub is a welcoming place for families with children from birth to 19, or 25 with SEND.",
        "You can drop in for baby clinics, parenting courses, benefits advice and SEND coffee mornings.",
        "Health visitors, family support workers and volunteers work from the hub."),
        ("communication-and-interaction", "social-emotional-mental-health"),
        ("family hub", "children's centre", "parenting", "drop in")),
    Topic("social-care", 5, (
        "Children with Disabilities Team", "Family Support Service", "Disabled Children's Social Care",
        "Early Help Team"), (
        "social care for disabled children", "early help and family support"), (
        "Social workers assess the needs of disabled children and their families.",
        "Support can include direct payments, short breaks, equipment and help at home.",
        "Early help workers support families before problems get bigger.",
        "We work with health, education and the voluntary sector to plan support around the family."),
        ("social-emotional-mental-health", "PMLD", "SLD", "PD"),
        ("social worker", "social care", "direct payments", "early help", "family support")),
    Topic("health", 3, (
        "Community Paediatrics", "Continence Service", "Children's Community Nursing", "Sleep Clinic",
        "Learning Disability Nursing"), (
        "community health services for children", "specialist children's nursing"), (
        "Community paediatricians see children with developmental delay, disability and complex health needs.",
        "Our nurses support children with continence, sleep, feeding and long-term conditions at home.",
        "We can train parents and school staff in medical procedures such as tube feeding."),
        ("sensory-physical", "PD", "PMLD", "SLD"),
        ("paediatrician", "continence", "sleep", "nursing", "health")),
    Topic("key-working", 1, ("SEND Key Working Service", "Key Worker Team"), (
        "a key worker to coordinate support",), (
        "A key worker is a single contact who helps families coordinate appointments and plans.",
        "We work with young people with a learning disability or autism at risk of going into hospital."),
        ("ASD", "social-emotional-mental-health"),
        ("key worker", "keyworker", "coordination")),
    Topic("parent-carer-support", 3, (
        "Parent Carer Support Group", "Parent Carer Forum", "Coffee and Chat", "Dads' Group"), (
        "peer support for parents and carers", "a support group for parent carers"), (
        "Parents and carers of children with SEND meet to share experience and support each other.",
        "Guest speakers cover topics such as EHC plans, benefits, sleep and behaviour.",
        "The group is run by parents who understand what you are going through."),
        ("communication-and-interaction", "cognition-and-learning", "social-emotional-mental-health"),
        ("parent carer", "support group", "coffee morning", "forum", "parents")),
    Topic("voluntary-groups", 3, ("Inclusive Sports Club", "Scouts Inclusion Group", "Arts and Drama Club",
                                  "Swimming Club", "Sensory Play Group"), (
        "inclusive activities for children and young people with SEND",), (
        "A volunteer-led club where children with SEND can take part at their own pace.",
        "Sessions are small, with quiet space and trained volunteers.",
        "Brothers and sisters are welcome to join in too."),
        ("communication-and-interaction", "ASD", "cognition-and-learning", "PD"),
        ("club", "sports", "swimming", "drama", "activities")),
    Topic("transport", 1, ("Home to School Transport", "Travel Training"), (
        "home-to-school transport and travel training",), (
        "Children with SEND who cannot walk to school may be able to get home-to-school transport.",
        "Travel training helps young people learn to travel on their own safely."),
        ("cognition-and-learning", "PD", "SLD"),
        ("school transport", "travel training", "transport")),
    Topic("preparing-for-adulthood", 2, (
        "Preparing for Adulthood Team", "Supported Internships", "Transition Service", "Independent Living Skills"), (
        "support for young people moving into adulthood", "supported internships and employment"), (
        "We help young people with SEND plan for college, work, independent living and health as adults.",
        "Supported internships give young people with an EHC plan real work experience with a job coach.",
        "We plan the move from children's to adult services from age 14."),
        ("cognition-and-learning", "MLD", "SLD", "ASD"),
        ("college", "transition", "employment", "supported internship", "independent living")),
    Topic("carers", 1, ("Young Carers Service", "Carers Hub"), (
        "support for young carers and parent carers",), (
        "We support young carers who look after a brother, sister or parent with a disability.",
        "Carers can get a carer's assessment, breaks and advice on benefits."),
        ("social-emotional-mental-health",),
        ("young carers", "carers", "carer's assessment")),
    Topic("safeguarding", 1, ("Children's Advice and Support Service",), (
        "help if you are worried about a child's safety",), (
        "Contact us if you are worried that a child is being harmed or is at risk of harm.",
        "Disabled children can be more vulnerable, and we work with families to keep them safe."),
        ("social-emotional-mental-health", "SEMH"),
        ("safeguarding", "worried about a child")),
)
TOPIC_WEIGHTS = [topic.weight for topic in TOPICS]

GENERIC_SENTENCES = (
    "Sessions take place in community venues, family hubs, schools and online.",
    "Please tell us if your child needs an interpreter, a quiet room or other adjustments.",
    "We aim to see families at a time that suits them, including after school.",
    "Parents and carers are always welcome to stay and take part.",
    "All our staff have an enhanced DBS check and regular safeguarding training.",
    "We listen to children and young people and involve them in decisions about their support.",
    "If we cannot help, we will tell you who can and pass on your details with your consent.",
    "Free parking is available at most of our venues, and they are wheelchair accessible.",
    "We work closely with the SEND Local Offer, schools, health visitors and GPs.",
    "Support is reviewed regularly with the family and ends when goals have been met.",
)
REFER_SENTENCES = (
    "Families can refer themselves by phone or through the online form.",
    "A referral is needed from a professional who knows the child, such as a GP, SENCO or health visitor.",
    "Ask your school's SENCO to complete a referral with you.",
    "Referrals are discussed at a weekly meeting and we contact every family within two weeks.",
)
ORG_KINDS = (
    ("NHS Foundation Trust", "An NHS trust providing children's community health services."),
    ("Children's Charity", "A local charity supporting disabled children and their families."),
    ("Parent Carer Network", "A network run by and for parent carers of children with SEND."),
    ("Community Interest Company", "A social enterprise running inclusive activities and short breaks."),
    ("Academy Trust", "A multi-academy trust of mainstream and special schools."),
    ("Family Support", "A voluntary organisation offering family support and advice."),
    ("Youth Trust", "A youth charity with clubs and mentoring for young people."),
    ("Therapy Partnership", "An independent practice of children's therapists working with the NHS."),
)
AGE_RANGES = ((0, 5), (0, 11), (0, 18), (0, 19), (0, 25), (2, 11), (4, 16), (5, 18), (5, 11), (11, 18), (11, 25),
              (14, 25), (16, 25))
AGE_WEIGHTS = (4, 3, 10, 6, 8, 2, 3, 6, 3, 4, 3, 2, 2)
QUERY_TOWNS = ("Leek", "Burton", "Tamworth", "Stafford", "Cannock", "Lichfield", "Uttoxeter", "Biddulph",
               "Cheadle", "Stone", "Rugeley", "Kidsgrove", "Hanley", "Longton", "Codsall", "Newcastle")


def seeded_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- the synthetic directory -------------------------------------------------------------------------------


@dataclass
class Reference:
    """Real rows the synthetic services link to, read from the seeded database."""

    districts: list[tuple[uuid.UUID, str, str, list[str]]]  # (id, slug, name, towns)
    categories: dict[str, uuid.UUID]
    needs: dict[str, uuid.UUID]  # need-area and SEN-type codes
    referrers: dict[str, uuid.UUID]


def read_reference(session: Session) -> Reference:
    def terms(*slugs: str) -> dict[str, uuid.UUID]:
        rows = session.exec(
            select(TaxonomyTerm.code, TaxonomyTerm.id)
            .join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
            .where(Taxonomy.slug.in_(slugs))
        )
        return dict(rows.all())

    districts = [(d.id, d.slug, d.name, list(d.towns))
                 for d in session.exec(select(District).order_by(District.slug))]
    return Reference(districts, terms(CATEGORIES), terms(NEED_AREAS, SEN_TYPES), terms(REFERRER_ROLES))


def make_description(rng: random.Random, topic: Topic, organisation: str, name: str, ages: tuple[int, int],
                     districts: list[tuple], referral: str) -> str:
    """2-4 paragraphs, about 400-900 characters."""
    towns = [town for district in districts for town in district[3]]
    place = (districts[0][2] if len(districts) == 1 else
             "across Staffordshire" if len(districts) >= 6 else
             ", ".join(d[2] for d in districts[:-1]) + " and " + districts[-1][2])
    topic_lines = rng.sample(topic.sentences, min(len(topic.sentences), rng.randint(2, 3)))
    paragraphs = [
        [f"{name} is run by {organisation} for children and young people aged {ages[0]} to {ages[1]}.",
         *topic_lines[:2]],
        [f"We work with families in {', '.join(rng.sample(towns, min(2, len(towns))))} and "
         f"{'in ' if len(districts) < 6 else ''}{place}.", *rng.sample(GENERIC_SENTENCES, 2)],
    ]
    if rng.random() < 0.7:
        paragraphs.append([referral, *topic_lines[2:]])
    if rng.random() < 0.35:
        paragraphs.append(rng.sample(GENERIC_SENTENCES, 2))
    spare = [s for s in GENERIC_SENTENCES if all(s not in p for p in paragraphs)]
    text = "\n\n".join(" ".join(p) for p in paragraphs)
    while len(text) < 400 and spare:
        paragraphs[-1].append(spare.pop(rng.randrange(len(spare))))
        text = "\n\n".join(" ".join(p) for p in paragraphs)
    while len(text) > 900 and len(paragraphs[-1]) > 1:
        paragraphs[-1].pop()
        text = "\n\n".join(" ".join(p) for p in paragraphs)
    return text


def generate(engine, size: int, rng: random.Random) -> dict[str, int]:
    """Migrate, seed, then bulk-insert `size` - (seeded services) synthetic services; returns row counts."""
    migrate.upgrade(engine)
    with Session(engine) as session:
        apply_seed(session, load_seed(SEED_PATH))
        session.commit()
        reference = read_reference(session)
        seeded = session.exec(select(Service.id)).all()
    wanted = max(0, size - len(seeded))
    counts: dict[str, int] = defaultdict(int)
    counts["service (seed)"] = len(seeded)
    organisations = []
    for i in range(max(1, wanted // 8)):
        town = rng.choice(rng.choice(reference.districts)[3])
        kind, blurb = rng.choice(ORG_KINDS)
        organisations.append({"id": seeded_uuid(rng), "name": f"{town} {kind} {i + 1}",
                              "description": f"{blurb} Based in {town}.",
                              "website": f"https://org{i + 1}.example.org.uk" if rng.random() < 0.6 else None,
                              "email": None})
    district_counts = (1, 2, 3, 4, 8)
    district_weights = (40, 20, 12, 8, 20)
    referrer_codes = sorted(reference.referrers)
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(insert(Organisation.__table__), organisations)
        counts["organisation"] = len(organisations)
        for start in range(0, wanted, CHUNK):
            rows = defaultdict(list)
            for number in range(start, min(start + CHUNK, wanted)):
                _synthetic_service(rng, number, reference, organisations, referrer_codes, district_counts,
                                   district_weights, now, rows)
            for model in (Service, ServiceArea, ServiceAttribute, CostOption):
                table = model.__table__
                connection.execute(insert(table), rows[table.name])
                counts[table.name] += len(rows[table.name])
    return dict(counts)


def _synthetic_service(rng, number, reference, organisations, referrer_codes, district_counts, district_weights,
                       now, rows) -> None:
    topic = rng.choices(TOPICS, TOPIC_WEIGHTS)[0]
    organisation = rng.choice(organisations)
    areas = rng.sample(reference.districts, rng.choices(district_counts, district_weights)[0])
    home = areas[0]
    town = rng.choice(home[3])
    noun = rng.choice(topic.names)
    name = rng.choice((f"{town} {noun}", f"{noun} – {home[2]}", f"{noun} ({town})",
                       f"{organisation['name'].rsplit(' ', 1)[0]} {noun}"))
    ages = rng.choices(AGE_RANGES, AGE_WEIGHTS)[0]
    place = home[2] if len(areas) < 6 else "Staffordshire"
    summary = (f"{rng.choice(topic.what).capitalize()} for children and young people aged {ages[0]} to {ages[1]} "
               f"in {place}.")
    referrers = rng.sample(referrer_codes, rng.randint(2, 8))
    if rng.random() < 0.6 and "self" not in referrers:
        referrers[0] = "self"
    referral = REFER_SENTENCES[0] if "self" in referrers else rng.choice(REFER_SENTENCES[1:])
    service_id = seeded_uuid(rng)
    accepting = rng.random() < 0.88
    waits = rng.random() < 0.7
    rows["service"].append({
        "id": service_id, "organisation_id": organisation["id"], "slug": f"{slugify(noun)[:60]}-{number + 1}",
        "name": name, "summary": summary,
        "description": make_description(rng, topic, organisation["name"], name, ages, areas, referral),
        "status": "active", "url": f"https://services.example.org.uk/{number + 1}" if rng.random() < 0.7 else None,
        "email": f"service{number + 1}@example.org.uk" if rng.random() < 0.5 else None,
        "opening_hours": "Monday to Friday, 9am to 5pm" if rng.random() < 0.5 else None,
        "minimum_age": ages[0], "maximum_age": ages[1], "how_to_refer": referral,
        "accepting_referrals": accepting,
        "wait_weeks": rng.choice((0, 1, 2, 4, 6, 8, 12, 18, 26, 40, 52)) if waits else None,
        "wait_updated": (now - timedelta(days=rng.randint(0, 120))).date() if waits else None,
        "assured_date": date(2025, 1, 1) + timedelta(days=rng.randint(0, 420)),
        "last_modified": now - timedelta(minutes=rng.randint(0, 60 * 24 * 365)),
    })
    for district in areas:
        rows["service_area"].append({"id": seeded_uuid(rng), "service_id": service_id, "district_id": district[0]})
    categories = [topic.category]
    if rng.random() < 0.3:
        other = rng.choices(TOPICS, TOPIC_WEIGHTS)[0].category
        if other != topic.category:
            categories.append(other)
    needs = rng.sample(topic.needs, min(len(topic.needs), rng.randint(1, 4)))
    links = ([("category", reference.categories[c]) for c in categories]
             + [("need", reference.needs[n]) for n in needs]
             + [("referrer", reference.referrers[r]) for r in referrers])
    for link_type, term_id in links:
        rows["service_attribute"].append({"id": seeded_uuid(rng), "service_id": service_id,
                                          "taxonomy_term_id": term_id, "link_type": link_type})
    cost = rng.random()
    if cost < 0.85:
        rows["cost_option"].append({"id": seeded_uuid(rng), "service_id": service_id, "option": "Free", "amount": 0.0,
                                    "amount_description": None, "currency": "GBP", "position": 0})
    elif cost < 0.95:
        rows["cost_option"].append({"id": seeded_uuid(rng), "service_id": service_id, "option": "Per session",
                                    "amount": float(rng.choice((3, 5, 8, 12))),
                                    "amount_description": "Per session", "currency": "GBP", "position": 0})


# --- datasets: generated once per size and cached ----------------------------------------------------------


@dataclass
class Dataset:
    size: int
    folder: Path
    meta: dict

    @property
    def db_path(self) -> Path:
        return self.folder / "directory.sqlite"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @property
    def index_root(self) -> Path:
        return self.folder / "search"


def prepare(size: int, workdir: Path, force: bool) -> Dataset:
    folder = workdir / f"directory-v{FORMAT_VERSION}-n{size}"
    meta_path = folder / "meta.json"
    if meta_path.exists() and not force:
        meta = json.loads(meta_path.read_text())
        print(f"[{size}] reusing {folder} (built {meta['built_at']}; --rebuild to build again)", flush=True)
        dataset = Dataset(size, folder, meta)
        # Later migrations (new tables, nullable columns) are applied in place; the index is kept as it is.
        engine = make_engine(dataset.db_url)
        migrate.upgrade(engine)
        engine.dispose()
        return dataset
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    dataset = Dataset(size, folder, {})
    engine = make_engine(dataset.db_url)
    started = time.perf_counter()
    counts = generate(engine, size, random.Random(DATA_SEED + size))
    generate_s = time.perf_counter() - started
    print(f"[{size}] generated the database in {generate_s:.1f} s: "
          + ", ".join(f"{k} {v}" for k, v in counts.items()), flush=True)
    index = SearchIndex(dataset.index_root, Synonyms.from_file(THESAURUS_PATH))
    with Session(engine) as session:
        started = time.perf_counter()
        indexed = rebuild(index, session)
        build_s = time.perf_counter() - started
    engine.dispose()
    print(f"[{size}] built the index of {indexed} services in {build_s:.1f} s", flush=True)
    dataset.meta = {
        "size": size, "format": FORMAT_VERSION, "rows": counts, "indexed": indexed,
        "generate_seconds": round(generate_s, 2), "build_seconds": round(build_s, 2),
        "db_mb": round(dataset.db_path.stat().st_size / 1e6, 1),
        "index_mb": round(sum(p.stat().st_size for p in dataset.index_root.rglob("*") if p.is_file()) / 1e6, 1),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    meta_path.write_text(json.dumps(dataset.meta, indent=2))  # written last: marks the dataset complete
    return dataset


# --- the queries -------------------------------------------------------------------------------------------


@dataclass
class BenchQuery:
    kind: str
    q: str = ""
    age: int | None = None
    filters: list[tuple[str, str]] = field(default_factory=list)  # (search-page parameter, value)

    def url(self) -> str:
        params = ([("q", self.q)] if self.q else []) + ([("age", str(self.age))] if self.age is not None else [])
        return "/search?" + urlencode(params + self.filters)

    def facet_filters(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for param, value in self.filters:
            out[PARAM_FIELDS[param]].append(value)
        return dict(out)

    def search_request(self) -> SearchRequest:
        return SearchRequest(text=self.q, filters=self.facet_filters(), age=self.age)


def make_queries(total: int, district_slugs: list[str], seed: int = QUERY_SEED) -> list[BenchQuery]:
    """`total` queries, the three kinds interleaved, the same on every run."""
    rng = random.Random(seed)

    def topic() -> Topic:
        return rng.choices(TOPICS, TOPIC_WEIGHTS)[0]

    def words(t: Topic, max_words: int) -> str:
        options = [q for q in t.queries if len(q.split()) <= max_words]
        return rng.choice(options or [q.split()[0] for q in t.queries])

    def text_query() -> BenchQuery:
        roll = rng.random()
        t = topic()
        if roll < 0.45:
            q = words(t, 2)
        elif roll < 0.8:
            phrase = words(t, 2)
            q = f"{phrase} {rng.choice(QUERY_TOWNS)}"
        elif roll < 0.9:
            q = rng.choice(QUERY_TOWNS)
        else:
            q = f"{words(t, 1)} {words(topic(), 1)}"
        return BenchQuery("text", q=q if rng.random() < 0.7 else q.lower())

    def with_filters() -> BenchQuery:
        t = topic()
        q = words(t, 2)
        pattern = rng.randrange(5)
        if pattern == 0:
            return BenchQuery(KINDS[1], q=q, filters=[("category", t.category), ("area", rng.choice(district_slugs))])
        if pattern == 1:
            return BenchQuery(KINDS[1], q=q, filters=[("need", rng.choice(t.needs)), ("referrer", "self")])
        if pattern == 2:
            return BenchQuery(KINDS[1], q=q, age=rng.randint(2, 17), filters=[("cost", "free")])
        if pattern == 3:
            return BenchQuery(KINDS[1], q=q, age=rng.randint(1, 17), filters=[("category", t.category)])
        return BenchQuery(KINDS[1], q=q, filters=[("area", rng.choice(district_slugs)), ("accepting", "yes")])

    def filters_only() -> BenchQuery:
        t = topic()
        area = ("area", rng.choice(district_slugs))
        age = rng.randint(0, 19)
        pattern = rng.randrange(6)
        if pattern == 0:
            return BenchQuery(KINDS[2], age=age, filters=[area])
        if pattern == 1:
            return BenchQuery(KINDS[2], filters=[area, ("category", t.category)])
        if pattern == 2:
            return BenchQuery(KINDS[2], age=age)
        if pattern == 3:
            return BenchQuery(KINDS[2], age=age, filters=[area, ("need", rng.choice(t.needs))])
        if pattern == 4:
            return BenchQuery(KINDS[2], filters=[("category", t.category), ("cost", "free"), area])
        return BenchQuery(KINDS[2], filters=[area])

    makers = (text_query, with_filters, filters_only)
    return [makers[i % 3]() for i in range(total)]


# --- measuring ---------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def make_app(db_url: str, index_root: Path):
    from directory import create_app

    return create_app({"DATABASE_URL": db_url, "SEARCH_INDEX_PATH": str(index_root), "SEARCH_CHECK_ON_START": False,
                       "TESTING": True, "SECRET_KEY": "bench"})


def measure_app(dataset: Dataset, queries: list[BenchQuery], profile: bool) -> dict[str, dict]:
    """Per kind: request times (ms) through the test client, and how many searches found something."""
    app = make_app(dataset.db_url, dataset.index_root)
    client = app.test_client()
    # Every request at an address of its own (an extra parameter the form ignores): the search page keeps what it
    # drew for an address (search_page.KEPT_PAGES), and these figures are for searching, not for a kept page.
    for number, query in enumerate(queries[:WARMUP]):
        assert client.get(f"{query.url()}&warm-up={number}").status_code == 200
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    for number, query in enumerate(queries):
        url = f"{query.url()}&request={number}"
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        assert response.status_code == 200, (url, response.status_code)
        times[query.kind].append(elapsed * 1000)
        cpu[query.kind].append(elapsed_cpu * 1000)
    index = app.extensions["search"]
    found = defaultdict(int)
    with app.app_context():
        for query in queries:
            found[query.kind] += index.search(query.search_request()).total > 0
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for query in queries[:90]:
            client.get(query.url())
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        out.write(f"\n[{dataset.size}] cProfile of 90 app requests (30 of each kind): the project's functions and "
                  "Jinja templates by cumulative time, then the top functions by own time\n")
        stats.sort_stats("cumulative").print_stats(r"search\.py|search_page|services\.py|taxonomy\.py|places\.py"
                                                   r"|render_template|\.html", 30)
        stats.sort_stats("tottime").print_stats(15)
        print("\n".join(line for line in out.getvalue().splitlines()
                        if line.strip() and not line.lstrip().startswith(("Ordered by", "List reduced"))))
    app.extensions["db"].engine.dispose()
    return {kind: {"ms": times[kind], "cpu_ms": cpu[kind], "found": found[kind]} for kind in KINDS}


def raw_query(query: BenchQuery, parser):
    from whoosh.query import And, Or, Term

    parts = [parser.parse(query.q)] if query.q else []
    for fieldname, values in query.facet_filters().items():
        terms = [Term(fieldname, value) for value in values]
        parts.append(Or(terms) if len(terms) > 1 else terms[0])
    if query.age is not None:
        parts.append(Term("ages", str(query.age)))
    return And(parts) if len(parts) > 1 else parts[0]


def measure_raw(dataset: Dataset, queries: list[BenchQuery]) -> dict[str, dict]:
    """Per kind: naive Whoosh times (ms): parse, search with limit=20, read the 20 stored ids."""
    from whoosh import index as whoosh_index
    from whoosh.qparser import MultifieldParser

    ix = whoosh_index.open_dir(os.path.realpath(dataset.index_root / "current"))
    parser = MultifieldParser(RAW_TEXT_FIELDS, ix.schema)
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    found = defaultdict(int)
    with ix.searcher() as searcher:
        for query in queries[:WARMUP]:
            [hit["id"] for hit in searcher.search(raw_query(query, parser), limit=20)]
        for query in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            results = searcher.search(raw_query(query, parser), limit=20)
            ids = [hit["id"] for hit in results]
            elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
            times[query.kind].append(elapsed * 1000)
            cpu[query.kind].append(elapsed_cpu * 1000)
            found[query.kind] += bool(ids)
    return {kind: {"ms": times[kind], "cpu_ms": cpu[kind], "found": found[kind]} for kind in KINDS}


def measure_freshness(dataset: Dataset, workdir: Path) -> dict[str, float]:
    """Rename one service through the app's session and time until search finds it (on a copy of the data)."""
    copy = Path(tempfile.mkdtemp(prefix=f"fresh-{dataset.size}-", dir=workdir))
    try:
        shutil.copy2(dataset.db_path, copy / "directory.sqlite")
        shutil.copytree(dataset.index_root, copy / "search", symlinks=True)
        app = make_app(f"sqlite:///{copy / 'directory.sqlite'}", copy / "search")
        index = app.extensions["search"]
        word = "zq" + "".join(random.Random(dataset.size).choices("bcdfghjklmnpqrstvwxz", k=10))
        with app.app_context():
            index.search(SearchRequest(text="autism"))  # a warm searcher, as in a running server
            session = app.extensions["db"].session_factory()
            service = session.exec(select(Service).order_by(Service.slug).limit(1)).one()
            started = time.perf_counter()
            # Through the one listing writer, as every change is made (the session refuses any other way).
            update_service(session, service.id, {"name": f"{service.name} {word}"}, source="import")
            session.commit()  # the after-commit hook writes the change to the index
            committed = time.perf_counter()
            while True:
                results = index.search(SearchRequest(text=word))
                if str(service.id) in results.ids:
                    break
                if time.perf_counter() - started > 60:
                    raise RuntimeError("the renamed service did not appear in search within 60 s")
            visible = time.perf_counter()
            index.search(SearchRequest(text=word))
            again = time.perf_counter()
            session.close()
        app.extensions["db"].engine.dispose()
        return {"commit_ms": (committed - started) * 1000, "first_search_ms": (visible - committed) * 1000,
                "total_ms": (visible - started) * 1000, "next_search_ms": (again - visible) * 1000}
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def print_table(rows: list[dict]) -> None:
    header = (f"{'N':>7} {'build s':>7}  {'query kind':<15}{'app p50':>8}{'p95':>8}{'p99':>8}   "
              f"{'raw p50':>8}{'p95':>8}{'p99':>8}   {'app/raw p95':>11}   {'non-empty app/raw':>17}")
    print("\nTimes in ms over the same fixed queries; app = full GET /search in the test client, "
          "raw = naive Whoosh search(limit=20).")
    print(header)
    print("-" * len(header))
    for row in rows:
        first = True
        for kind in KINDS:
            app, raw = row["app"][kind], row["raw"][kind]
            a = [percentile(app["ms"], p) for p in (50, 95, 99)]
            r = [percentile(raw["ms"], p) for p in (50, 95, 99)]
            n = len(app["ms"])
            lead = f"{row['size']:>7} {row['build_s']:>7.1f}" if first else " " * 15
            print(f"{lead}  {kind:<15}{a[0]:>8.1f}{a[1]:>8.1f}{a[2]:>8.1f}   {r[0]:>8.2f}{r[1]:>8.2f}{r[2]:>8.2f}"
                  f"   {a[1] / r[1]:>10.1f}x   {app['found']:>7}/{raw['found']:<3} of {n}")
            first = False
    print("\nCPU time of this process for the same requests (ms; less disturbed than wall-clock time by other work on "
          "a shared machine):")
    header = f"{'N':>7}  {'query kind':<15}{'app p50':>8}{'p95':>8}   {'raw p50':>8}{'p95':>8}   {'app/raw p95':>11}"
    print(header)
    print("-" * len(header))
    for row in rows:
        for number, kind in enumerate(KINDS):
            a = [percentile(row["app"][kind]["cpu_ms"], p) for p in (50, 95)]
            r = [percentile(row["raw"][kind]["cpu_ms"], p) for p in (50, 95)]
            lead = f"{row['size']:>7}" if number == 0 else " " * 7
            print(f"{lead}  {kind:<15}{a[0]:>8.1f}{a[1]:>8.1f}   {r[0]:>8.2f}{r[1]:>8.2f}   {a[1] / r[1]:>10.1f}x")
    print("\nOne listing change visible in search after commit (app session -> after-commit index update -> "
          "search):")
    for row in rows:
        f = row["fresh"]
        print(f"{row['size']:>7}: {f['total_ms']:.0f} ms (commit incl. index write {f['commit_ms']:.0f} ms, "
              f"first search after it {f['first_search_ms']:.0f} ms; the next search {f['next_search_ms']:.1f} ms)")


# --- gunicorn + wrk ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not answer {url} within {seconds} s")
        time.sleep(0.25)


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def run_wrk(base: str, path: str | None, script: Path | None, duration: int) -> dict:
    command = ["wrk", "-t2", "-c8", f"-d{duration}s", "--timeout", "10s", "--latency"]
    if script:
        command += ["-s", str(script)]
    command.append(base + (path or "/"))
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30, check=True).stdout
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", output)
    dist = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M))
    errors = re.search(r"Socket errors: (.*)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "avg_ms": to_ms(latency.group(1)), "max_ms": to_ms(latency.group(3)),
        **{f"p{k}_ms": to_ms(v) for k, v in dist.items()},
        "errors": (errors.group(1) if errors else "none") + (f"; non-2xx {non2xx.group(1)}" if non2xx else ""),
    }


def serve(dataset: Dataset, workdir: Path, duration: int) -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install -y wrk)")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    district_slugs = [d["slug"] for la in json.loads((SEED_PATH / "places.json").read_text())["local_authorities"]
                      for d in la["districts"]]
    rotating = [q.url() for q in make_queries(30, district_slugs)]
    script = workdir / "rotating.lua"
    script.write_text(
        "-- Each wrk thread walks the same list of search URLs in turn.\n"
        "local paths = {\n" + "".join(f"  {json.dumps(p)},\n" for p in rotating) + "}\n"
        "local i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n")
    env = {**os.environ, "DATABASE_URL": dataset.db_url, "SEARCH_INDEX_PATH": str(dataset.index_root),
           "SEARCH_CHECK_ON_START": "0", "SECRET_KEY": "bench", "INSTANCE_PATH": str(dataset.folder)}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = (workdir / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60", "--no-control-socket", "wsgi:app"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(base + "/health", 30)
        fixed = "/search?q=speech&category=speech-and-language-therapy&area=tamworth"
        print(f"[serve] gunicorn -w 2 on {base}, N={dataset.size}; warming up both workers", flush=True)
        run_wrk(base, None, script, 3)  # every worker builds its searcher and caches before we measure
        runs = [
            ("/health (no database, no search)", run_wrk(base, "/health", None, duration)),
            (f"fixed {fixed}", run_wrk(base, fixed, None, duration)),
            (f"rotating {len(rotating)} search URLs (3 kinds)", run_wrk(base, None, script, duration)),
        ]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    print(f"\nwrk -t2 -c8 -d{duration}s --latency against gunicorn -w 2 (2 cores shared with wrk), N={dataset.size}:")
    header = f"{'target':<78}{'req/s':>8}{'avg':>8}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}  errors"
    print(header)
    print("-" * len(header))
    for name, r in runs:
        print(f"{name:<78}{r['rps']:>8.1f}{r['avg_ms']:>8.1f}{r.get('p50_ms', 0):>8.1f}{r.get('p90_ms', 0):>8.1f}"
              f"{r.get('p99_ms', 0):>8.1f}{r['max_ms']:>8.1f}  {r['errors']}")
    print("(latencies in ms, as measured by wrk over loopback)")


# --- command line ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--queries", type=int, default=300, help="queries per size (three kinds, equal numbers)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="where databases and indexes are kept")
    parser.add_argument("--rebuild", action="store_true", help="generate and index again even if cached")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of 90 app requests per size")
    parser.add_argument("--serve", action="store_true", help="gunicorn + wrk for one size instead of the table")
    parser.add_argument("--serve-size", type=int, default=10000)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run (--serve)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    # Other work on the machine skews every number here: say how busy it was.
    print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} CPUs)")

    if args.serve:
        serve(prepare(args.serve_size, args.workdir, args.rebuild), args.workdir, args.duration)
        return

    district_slugs = [d["slug"] for la in json.loads((SEED_PATH / "places.json").read_text())["local_authorities"]
                      for d in la["districts"]]
    queries = make_queries(args.queries, district_slugs)
    rows = []
    for size in args.sizes:
        dataset = prepare(size, args.workdir, args.rebuild)
        print(f"[{size}] build time {dataset.meta['build_seconds']} s (generation {dataset.meta['generate_seconds']} s)"
              f"; database {dataset.meta['db_mb']} MB, index {dataset.meta['index_mb']} MB; timing "
              f"{len(queries)} queries through the app...", flush=True)
        app_times = measure_app(dataset, queries, args.profile)
        print(f"[{size}] ... and through raw Whoosh; then the freshness check", flush=True)
        raw_times = measure_raw(dataset, queries)
        fresh = measure_freshness(dataset, args.workdir)
        rows.append({"size": size, "build_s": dataset.meta["build_seconds"], "app": app_times, "raw": raw_times,
                     "fresh": fresh})
    print_table(rows)


if __name__ == "__main__":
    main()
