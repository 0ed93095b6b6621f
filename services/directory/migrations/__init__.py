"""The directory service's schema history (Alembic; see shared.migrations)."""
