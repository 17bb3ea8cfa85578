"""Approved replies leaving the system: export (CSV/JSONL) and the follow-up once a case is resolved."""
