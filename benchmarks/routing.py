"""Routing benchmark: one family routed against 1,000 and 10,000 services with realistic rules.

    .venv/bin/python -m benchmarks.routing [--sizes 1000 10000] [--runs 50] [--cpu]

Each synthetic service has an age range, 1 to 8 districts and its own rule of 5 to 15 tests (all/any/not
over every field of the rule language), compiled once as the app's DirectoryCache does (into one RuleSet). The
timed part is `routing.route`: every service's outcome for one family, who can refer and suggestions from
relations. Reasons and missing fields are written when a page first reads them, so "+reasons" times the same
family routed again with every result's reasons and missing fields read, as the checker page shows them all.
Families vary from fully described to almost unknown.
"""

import argparse
import gc
import random
import statistics
import time
import uuid

from directory.routing import Facts, RoutedService, RoutingDirectory, effective_rule, route
from directory.rules import Labels, compile_rule, validate_rule
from directory.rules.evaluate import RuleSet

DISTRICTS = ["cannock-chase", "east-staffordshire", "lichfield", "newcastle-under-lyme", "south-staffordshire",
             "stafford", "staffordshire-moorlands", "tamworth", "stoke-on-trent"]
NEEDS = ["SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH"]
AREAS = ["communication-and-interaction", "cognition-and-learning", "social-emotional-mental-health",
         "sensory-physical"]
CONDITIONS = ["autism", "adhd", "learning-disability", "hearing-loss", "vision-impairment", "anxiety", "dyslexia"]
ROLES = ["self", "young_person", "gp", "senco", "health_visitor", "social_worker", "paediatrician", "therapist"]
RELATIONS = ["alternative_to", "cross_border_equivalent", "requires_prerequisite", "while_you_wait"]


def random_test(rng: random.Random) -> dict:
    kind = rng.randrange(9)
    if kind == 0:
        low = rng.randrange(0, 18)
        return {"field": "age", "op": "between", "value": [low, low + rng.randrange(1, 8)]}
    if kind == 1:
        return {"field": "needs", "op": rng.choice(["has_any", "has_all", "has_none"]),
                "value": rng.sample(NEEDS, rng.randrange(1, 4))}
    if kind == 2:
        return {"field": "need_areas", "op": "has_any", "value": rng.sample(AREAS, rng.randrange(1, 3))}
    if kind == 3:
        return {"field": rng.choice(["diagnoses", "suspected"]), "op": rng.choice(["has_any", "has_none"]),
                "value": rng.sample(CONDITIONS, rng.randrange(1, 3)), "message": "A plain-English reason."}
    if kind == 4:
        return {"field": "ehcp", "op": rng.choice(["eq", "ne"]), "value": rng.choice(["none", "in_place"])}
    if kind == 5:
        return {"field": rng.choice(["looked_after", "in_education"]), "op": rng.choice(["is_true", "is_false"])}
    if kind == 6:
        return {"field": "school_year", "op": rng.choice(["gte", "lte"]), "value": rng.randrange(0, 14)}
    if kind == 7:
        return {"field": "local_authority", "op": rng.choice(["eq", "ne"]),
                "value": rng.choice(["staffordshire", "stoke-on-trent"])}
    return {"field": "referrer_role", "op": "in", "value": rng.sample(ROLES, 3)}


def random_rule(rng: random.Random, tests: int) -> dict:
    """A tree of all/any/not holding exactly `tests` tests."""
    if tests == 1:
        test = random_test(rng)
        return {"not": test} if rng.random() < 0.15 else test
    parts, left = [], tests
    while left:
        size = min(left, rng.randrange(1, max(2, tests // 2)))
        parts.append(random_rule(rng, size))
        left -= size
    return {rng.choice(["all", "all", "any"]): parts}


def directory(size: int, rng: random.Random) -> RoutingDirectory:
    services = []
    rules = RuleSet()  # as load_directory does: the services' rules share their tests
    ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(size)]
    for index, service_id in enumerate(ids):
        rule = random_rule(rng, rng.randrange(5, 16))
        validate_rule(rule)
        minimum = rng.choice([0, 0, 4, 5, 11])
        fake = type("S", (), {"minimum_age": minimum, "maximum_age": rng.choice([18, 19, 25]), "eligibility": rule})
        relations = [(rng.choice(RELATIONS), rng.choice(ids)) for _ in range(rng.randrange(0, 3))]
        services.append(RoutedService(service_id, f"Service {index}", compile_rule(
            effective_rule(fake, rng.sample(DISTRICTS, rng.randrange(1, 9))), rules), rng.sample(ROLES, 3), relations))
    return RoutingDirectory(services, Labels(), version=(size,))


def family(rng: random.Random) -> dict:
    """From fully described to almost unknown: each fact is present with probability p."""
    p = rng.choice([1.0, 0.7, 0.3])
    facts = {
        "age": rng.randrange(0, 25), "district": rng.choice(DISTRICTS),
        "local_authority": rng.choice(["staffordshire", "stoke-on-trent"]),
        "needs": frozenset(rng.sample(NEEDS, rng.randrange(0, 3))),
        "need_areas": frozenset(rng.sample(AREAS, rng.randrange(0, 2))),
        "diagnoses": frozenset(rng.sample(CONDITIONS, rng.randrange(0, 2))),
        "suspected": frozenset(rng.sample(CONDITIONS, rng.randrange(0, 2))),
        "ehcp": rng.choice(["none", "requested", "in_place"]), "school_year": rng.randrange(0, 14),
        "looked_after": rng.random() < 0.1, "in_education": rng.random() < 0.9, "referrer_role": rng.choice(ROLES),
    }
    return {key: value for key, value in facts.items() if rng.random() < p}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--cpu", action="store_true",
                        help="time with this process's CPU time instead of the wall clock (on a busy machine)")
    args = parser.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    print(f"{'services':>9} {'compile s':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   {'+reasons p50':>12} "
          f"{'p95':>6} {'max':>6}  outcomes (eligible/unknown/no)")
    for size in args.sizes:
        rng = random.Random(20261122)
        started = time.perf_counter()
        built = directory(size, rng)
        compiled = time.perf_counter() - started
        gc.freeze()  # as the app's DirectoryCache does after loading
        timings, with_reasons, outcomes = [], [], [0, 0, 0]
        for _ in range(args.runs):
            facts = Facts(as_of=None, values=family(rng), derived={})
            started = clock()
            results = route(built, facts)
            timings.append((clock() - started) * 1000)
            # The same family again, reading every reason and missing field as the checker page shows them.
            started = clock()
            for result in route(built, facts):
                result.reasons, result.missing  # noqa: B018 (read to be written)
            with_reasons.append((clock() - started) * 1000)
            for result in results:
                outcomes[("eligible", "unknown", "not_eligible").index(result.outcome)] += 1
        share = "/".join(f"{n / (size * args.runs):.0%}" for n in outcomes)
        print(f"{size:>9} {compiled:>9.2f} {statistics.median(timings):>8.1f} {percentile(timings, 0.95):>8.1f} "
              f"{max(timings):>8.1f}   {statistics.median(with_reasons):>12.1f} {percentile(with_reasons, 0.95):>6.1f} "
              f"{max(with_reasons):>6.1f}  {share}")


if __name__ == "__main__":
    main()
