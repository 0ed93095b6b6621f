"""The domain kernel: aggregate folding, value types, domain errors, dates; no I/O (importing it
loads neither SQLAlchemy nor cryptography)."""
