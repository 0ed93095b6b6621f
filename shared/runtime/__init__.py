"""Running a service: settings, its database, logging, the process main and its moving parts
(relay, subscriptions, periodic jobs)."""
