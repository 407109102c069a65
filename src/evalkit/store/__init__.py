"""The history store: runs kept in SQLite, read back by period and unit."""
