"""The attacker's walk over every route, as every kind of user, on both databases: no leaks, no server errors."""

from tests.security.hostile import SCRIPT
from tests.security.walk import ROLES, Walker


def test_the_walk_finds_no_leaks_and_no_server_errors(world, isolate):
    report = Walker(world, isolate).walk(all_hostile_values=False)
    print(report.summary())
    assert not report.server_errors, "\n".join(report.server_errors[:30])
    assert not report.leaks, "\n".join(report.leaks[:30])
    assert report.requests > 1000 and report.allowed > 200 and report.refused > 300


def test_each_family_is_seen_by_its_own_people_only(world, isolate):
    walker = Walker(world, isolate)
    for letter in "ab":
        record = world.ids[f"record_{letter}"]
        for role in ROLES:
            status, text = walker.send(role, "GET", f"/families/{record}", (str(record),))
            if role in (f"family_{letter}", f"key_worker_{letter}"):
                assert status == 200 and world.markers[letter][0] in text, role
            else:
                assert status in (302, 403, 404), (role, status)
        # The planted script in the family's story comes back escaped to its own people.
        status, text = walker.send(f"family_{letter}", "GET", f"/families/{record}/story", (str(record),))
        assert status == 200 and "&lt;script&gt;window.hostileMarker" in text and SCRIPT not in text
        service_referral = world.ids[f"service_referral_{letter}"]
        status, text = walker.send(f"lead_{letter}", "GET", f"/service-referrals/{service_referral}")
        assert status == 200 and world.markers[letter][0] in text
        other = "b" if letter == "a" else "a"
        assert walker.send(f"lead_{other}", "GET", f"/service-referrals/{service_referral}")[0] == 404
    assert not walker.report.leaks and not walker.report.server_errors


def test_the_walk_would_notice_a_leak_and_a_server_error(app, db_session, isolate):
    """A planted leaky page and a planted broken one: the walk must report both."""
    from flask import abort

    from tests.security.walk import build_world

    @app.get("/test-only/everyones-records/<uuid:record_id>")
    def leaky(record_id):
        from directory.db import get_session
        from directory.models import FamilyRecord
        from directory.referrals import records as family_records

        record = get_session().get(FamilyRecord, record_id)
        if record is None:
            abort(404)
        return str(family_records.section_data(get_session(), record))

    @app.get("/test-only/broken")
    def broken():
        raise RuntimeError("planted")

    world = build_world(app, db_session)
    report = Walker(world, isolate).walk(all_hostile_values=False, endpoints=lambda e: e in ("leaky", "broken"))
    assert any("everyones-records" in leak and "family A's" in leak for leak in report.leaks)
    assert any("everyones-records" in leak and "another family's id" in leak for leak in report.leaks)
    assert any("/test-only/broken" in error for error in report.server_errors)
