"""Page controllers of the web UI: thin; services and loaders own the queries."""
