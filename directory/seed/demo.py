"""Demo data for trying the site on a development machine: an account for every role and example.org referral addresses.

Never for production: the password is printed and known to everyone. Running it again changes nothing, because every
account has a fixed address and the referral addresses are put into the seed data before it is applied.
"""

from dataclasses import dataclass, field

from sqlmodel import Session, select

from directory.accounts import create_user, get_user_by_email
from directory.models import District, Service, stable_id
from directory.models.accounts import KeyWorkerArea, ServiceMembership, User
from directory.people import set_work
from directory.seed.files import SeedData

DEMO_PASSWORD = "demo-only: try the site 2026"
DOMAIN = "example.org"
# Services that get a demo service lead (and so a referral address); all take referrals through this site.
LEAD_SERVICES = (
    "family-hub-cannock-chase",
    "autism-service-south-staffordshire",
    "emotional-health-and-wellbeing-service",
    "early-years-send-and-portage",
)
# A few more that get an example.org referral address without a lead.
MORE_REFERRAL_ADDRESSES = (
    "family-hub-tamworth",
    "family-hub-staffordshire-moorlands",
    "early-help-family-support",
    "preparing-for-adulthood-team",
    "young-carers-and-siblings-support",
)
# Ofcom keeps 01632 960000 to 960999 for drama: no real phone rings.
DEMO_WORK_PHONE = "01632 960 {:03d}"
OTHER_ACCOUNTS = (
    ("admin", f"admin@{DOMAIN}", "Demo admin"),
    ("information_governance", f"information-governance@{DOMAIN}", "Demo information governance officer"),
    ("family", f"family@{DOMAIN}", "Demo family"),
)


class DemoRefused(Exception):
    pass


def refuse_in_production(config) -> None:
    if config.get("APP_ENV") == "production":
        raise DemoRefused("Demo accounts are not allowed when APP_ENV is 'production': their password is public.")


def referral_email(service_id: str) -> str:
    return f"referrals.{service_id}@{DOMAIN}"


def add_referral_addresses(data: SeedData) -> None:
    """Give the demo services an example.org referral address in the seed data, before it is applied."""
    for service in data.services["services"]:
        if service["id"] in LEAD_SERVICES + MORE_REFERRAL_ADDRESSES:
            service["referral_email"] = referral_email(service["id"])


@dataclass
class DemoAccounts:
    # (role, email, what they can do), in the order they are printed
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    created: int = 0

    def lines(self, sign_in_url: str) -> list[str]:
        out = [f"Demo accounts ({self.created} new): sign in at {sign_in_url} with the password: {DEMO_PASSWORD}"]
        out += [f"  {role:<24} {email}  ({what})" for role, email, what in self.accounts]
        return out


def create_accounts(session: Session) -> DemoAccounts:
    """Make sure every demo account exists with its role and its districts or services; the caller commits."""
    result = DemoAccounts()
    for district in session.exec(select(District).order_by(District.name)):
        email = f"keyworker.{district.slug}@{DOMAIN}"
        user = _account(session, result, email, f"Demo key worker, {district.name}", "key_worker")
        if not session.get(KeyWorkerArea, (user.id, district.id)):
            set_work(session, user, [str(district.id)], [])
        result.accounts.append(("key worker", email, f"takes families in {district.name}"))
    for service_id in LEAD_SERVICES:
        service = session.get(Service, stable_id("service", service_id))
        if service is None:  # a seed without this service
            continue
        email = f"lead.{service_id}@{DOMAIN}"
        user = _account(session, result, email, f"Demo lead, {service.name}", "service_lead")
        if not session.get(ServiceMembership, (user.id, service.id)):
            set_work(session, user, [], [str(service.id)])
        result.accounts.append(("service lead", email, f"receives referrals for {service.name}"))
    for role, email, name in OTHER_ACCOUNTS:
        _account(session, result, email, name, role)
        result.accounts.append((role.replace("_", " "), email, name))
    session.flush()
    return result


def _account(session: Session, result: DemoAccounts, email: str, name: str, role: str) -> User:
    user = get_user_by_email(session, email)
    if user is None:
        user = create_user(session, email, name, [role], DEMO_PASSWORD)
        if role in ("key_worker", "service_lead"):
            user.work_phone = DEMO_WORK_PHONE.format(result.created)
        result.created += 1
    return user
