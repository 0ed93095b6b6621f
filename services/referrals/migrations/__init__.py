"""The referrals service's schema history (Alembic; see shared.migrations)."""
