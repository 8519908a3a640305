"""The series report: where every episode, language and profile stands, written after each run and printed by
``localize status --json``."""
