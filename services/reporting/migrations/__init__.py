"""The reporting service's schema history (Alembic; see shared.migrations)."""
