"""The HTTP edge every service shares: problem details, middleware, authentication,
authorisation, the audit trail (with its table) and event feeds."""
