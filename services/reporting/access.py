"""Who may read which report. The city analyst reads aggregates of every district and no
personal data; a centre's head and social workers read their own district's."""

from __future__ import annotations

from shared.web.auth import Role
from shared.web.authorization import Policy, rule

HEAD, SOCIAL_WORKER, ANALYST = Role.HEAD, Role.SOCIAL_WORKER, Role.CITY_ANALYST

TABLE = {
    "reports.caseload": rule(HEAD, SOCIAL_WORKER),
    "reports.operational": rule(HEAD, SOCIAL_WORKER),
    "reports.outcomes": rule(HEAD, ANALYST),
    "reports.statutory": rule(HEAD, ANALYST),
    "reports.city": rule(ANALYST),
    # Reminders: an assistant's own task list; a head's (and the administrator's) of the
    # districts their token names.
    "tasks.own": rule(Role.ASSISTANT, HEAD, Role.ADMIN),
}

POLICY = Policy(TABLE)
