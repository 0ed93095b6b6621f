"""Reporting's projections. Each row belongs to one aggregate (an assistant, a case, a
referral, a visit, a court request), so replicas applying different aggregates never write
the same row; figures are counted when a report is asked for. No personal data of families
is kept here: ids, dates, codes and counts only."""

from sqlalchemy import Boolean, Column, Date, Integer, MetaData, String, Table, Uuid

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

PROJECTION_TABLES = (
    assistants_view,
    cases_view,
    referrals_view,
    visits_view,
    court_opinions_view,
)
