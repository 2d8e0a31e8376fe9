"""The ground floor every stage stands on; it imports no stage.

`records` (what travels between stages), `errors`, `settings` (with each stage's section:
`event_settings`, `surge_settings`), `clock` (aware UTC), `geo` (distances) and `db` (the
SQLAlchemy base all tables share, and the replay-safe insert).
"""
