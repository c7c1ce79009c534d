"""File formats as pure functions over bytes and rows: no database, no socket."""
