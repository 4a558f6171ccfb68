"""docs/referral-lifecycle.md says what directory.referrals.lifecycle does."""

from directory.config import PROJECT_ROOT
from directory.models.referrals import OPEN_STATUSES
from directory.referrals.lifecycle import ACTIONS
from directory.referrals.words import STATUS_NAMES


def test_the_table_of_changes_matches_the_state_machine():
    text = (PROJECT_ROOT / "docs" / "referral-lifecycle.md").read_text()
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 5 and cells[1].startswith("`"):
            rows[cells[1].strip("`")] = cells
    assert set(rows) == set(ACTIONS)
    for name, action in ACTIONS.items():
        title, _, who, from_statuses, to_status = rows[name]
        assert title == action.title
        assert who.startswith("the service") == (action.by == "service")
        expected = ("any open status" if action.from_statuses == OPEN_STATUSES
                    else ", ".join(STATUS_NAMES[s].lower() for s in action.from_statuses))
        assert from_statuses == expected, name
        assert to_status == (STATUS_NAMES[action.to_status].lower() if action.to_status else "(unchanged)"), name
