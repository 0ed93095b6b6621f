"""The casework service's schema history (Alembic; see shared.migrations)."""
