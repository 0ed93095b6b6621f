"""Who may read which report."""

from __future__ import annotations

from shared.auth import Role
from shared.authorization import Policy, rule

TABLE = {
    "reports.caseload": rule(Role.HEAD, Role.SOCIAL_WORKER),
}

POLICY = Policy(TABLE)
