"""Pure domain rules: no database, no screen, no network."""
