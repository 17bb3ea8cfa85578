"""Approved replies POSTed to a team's endpoint: an outbox row per approval, a deliverer with backoff."""
