"""localize: take Chinese vertical micro-dramas overseas (transcribe, time, translate, dub, package, cost)."""

__version__ = "0.1.0"
