"""Schema changes of a service's own database, with Alembic.

Each service keeps its history under `services/<name>/migrations` (an Alembic script directory
whose `env.py` calls `shared.migrations.env.run`); the kernel's tables (event store, outbox,
inbox, keys, snapshots, audit) are part of every service's history. `asysta migrate` upgrades
every service's database to head; a service at start either does the same itself or only checks
that its database is at head (`shared.migrations.runner.prepare_schema`, README "Schema
changes").
"""
