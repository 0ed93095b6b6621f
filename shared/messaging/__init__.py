"""The bus: stream names, the outbox relay, idempotent consumers with their inbox, dead letters."""
