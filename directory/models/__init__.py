"""SQLModel tables: places, the ORUK-shaped directory, taxonomies and accounts."""

from directory.models.accounts import (
    AccountToken,
    KeyWorkerArea,
    RecoveryCode,
    ServiceMembership,
    User,
    UserRole,
    WebSession,
)
from directory.models.audit import AuditEntry
from directory.models.directory import (
    Accessibility,
    Address,
    Contact,
    CostOption,
    Language,
    Location,
    Organisation,
    Phone,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceRelation,
)
from directory.models.families import FamilyAccess, FamilyRecord, FamilySection
from directory.models.ids import stable_id
from directory.models.listings import ChangeRequest, DirectoryRevision, ListingRevision, ProblemReport, SearchChange
from directory.models.outbox import OutboxMessage
from directory.models.places import District, LocalAuthority, OutwardCode
from directory.models.referrals import Referral, ReferralDraft, ReferralEvent, ServiceReferral
from directory.models.taxonomy import ServiceAttribute, Taxonomy, TaxonomyTerm
from directory.models.thesaurus import ThesaurusGroup

__all__ = [
    "AccountToken", "AuditEntry", "ChangeRequest", "DirectoryRevision", "ListingRevision", "ProblemReport",
    "SearchChange", "FamilyAccess", "FamilyRecord", "FamilySection", "KeyWorkerArea", "OutboxMessage",
    "RecoveryCode", "Referral", "ReferralDraft", "ReferralEvent", "ServiceMembership", "ServiceReferral", "WebSession",
    "Accessibility", "Address", "Contact", "CostOption", "District", "Language", "LocalAuthority", "Location",
    "Organisation", "OutwardCode", "Phone", "Service", "ServiceArea", "ServiceAtLocation", "ServiceAttribute",
    "ServiceRelation",
    "Taxonomy", "TaxonomyTerm", "ThesaurusGroup", "User", "UserRole", "stable_id",
]
