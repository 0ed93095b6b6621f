"""Reporting's projections. Each row belongs to one aggregate (an assistant, a case, a
referral, a visit, a court request), so replicas applying different aggregates never write
the same row; figures are counted when a report is asked for. No personal data of families
is kept here: ids, dates, codes and counts only."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from shared.runtime.assistant_logins import logins_table

metadata = MetaData()

assistants_view = Table(
    "assistants_view",
    metadata,
    Column("assistant_id", Uuid, primary_key=True),
    Column("district", String(7), nullable=False, index=True),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("employment_form", String(40), nullable=False),
    Column("works_since", Date, nullable=True),
    Column("ended_on", Date, nullable=True),
    Column("active", Boolean, nullable=True, default=True),
    # Reminders: where the assistant's daily digest goes, when the directory's events say.
    Column("email", String(254), nullable=True),
)

cases_view = Table(
    "cases_view",
    metadata,
    Column("case_id", Uuid, primary_key=True),
    Column("referral_id", Uuid, nullable=False),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("district", String(7), nullable=False, index=True),
    Column("source", String(30), nullable=False),
    Column("obligatory", Boolean, nullable=False),
    Column("children", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("assistant_id", Uuid, nullable=True, index=True),
    Column("opened_on", Date, nullable=False),
    Column("assigned_on", Date, nullable=True),
    Column("work_started_on", Date, nullable=True),
    Column("next_assessment_due", Date, nullable=True),
    Column("plan_version", Integer, nullable=False, default=0),
    Column("last_visit_on", Date, nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("closure_reason", String(40), nullable=True),
    Column("children_placed", Integer, nullable=True, default=0),
    Column("monitoring_until", Date, nullable=True),
    # Reminders (nullable: added to tables that exist; the projector fills them, so a rebuild
    # does too). The family's initials are the one trace of who the family is that a task
    # list and an e-mail digest may show; erasure empties them.
    Column("family_initials", String(12), nullable=True),
    Column("consent_on", Date, nullable=True),
    Column("assistant_since", Date, nullable=True),
)

referrals_view = Table(
    "referrals_view",
    metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("district", String(7), nullable=False, index=True),
    Column("source", String(30), nullable=False),
    Column("status", String(30), nullable=False),
    Column("referred_on", Date, nullable=False),
    Column("decided_on", Date, nullable=True),
    Column("family_initials", String(12), nullable=True),
)

visits_view = Table(
    "visits_view",
    metadata,
    Column("visit_id", Uuid, primary_key=True),
    Column("case_id", Uuid, nullable=False, index=True),
    Column("district", String(7), nullable=False, index=True),
    Column("assistant_id", Uuid, nullable=False),
    Column("visited_on", Date, nullable=False),
    Column("duration_minutes", Integer, nullable=False),
)

court_opinions_view = Table(
    "court_opinions_view",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("case_id", Uuid, nullable=False, index=True),
    Column("district", String(7), nullable=False, index=True),
    Column("requested_on", Date, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("submitted_on", Date, nullable=True),
)

# An assistant's caseload as casework decides it (its stream's facts: the limit it opened
# with, whether the assistant is at work, which cases it holds), so reporting's free places
# are casework's, not a second reading of the rule.
caseloads_view = Table(
    "caseloads_view",
    metadata,
    Column("assistant_id", Uuid, primary_key=True),
    Column("district", String(7), nullable=False, index=True),
    Column("family_limit", Integer, nullable=False),
    Column("working", Boolean, nullable=False),
)

caseload_cases_view = Table(
    "caseload_cases_view",
    metadata,
    Column("assistant_id", Uuid, primary_key=True),
    Column("case_id", Uuid, primary_key=True),
)

# The daily digest's memory (not a projection: a rebuild keeps it). One message per person
# and day, decided in one transaction with the items it mentions; `sent_at` is set once the
# SMTP server took it. See application/digest.py for why a crash between the two is safe.
digest_messages = Table(
    "digest_messages",
    metadata,
    Column("message_id", String(200), primary_key=True),
    Column("person", String(80), nullable=False),
    Column("day", Date, nullable=False),
    Column("recipient", String(254), nullable=True),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("person", "day", name="uq_digest_messages_person_day"),
)

digest_sent = Table(
    "digest_sent",
    metadata,
    Column("person", String(80), primary_key=True),
    Column("item_key", String(200), primary_key=True),
    # "due" when the item entered the list, "overdue" when its date passed: each once.
    Column("notice", String(10), primary_key=True),
    Column("day", Date, nullable=False),
    Column("message_id", String(200), nullable=False),
)

# Which assistant signs in with which login (for "is this the caller's own list").
assistant_logins = logins_table(metadata)

PROJECTION_TABLES = (
    assistants_view,
    assistant_logins,
    caseloads_view,
    caseload_cases_view,
    cases_view,
    referrals_view,
    visits_view,
    court_opinions_view,
)
