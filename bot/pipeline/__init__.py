"""The ingest pipeline: record new articles, match, assign stories, write the ledger, wake."""

from bot.pipeline.ingest import Ingest, build_ingest
from bot.pipeline.ledger import Ledger
from bot.pipeline.matching import Book, FixedRules, RuleSource, WatchSource
from bot.pipeline.record import Ingested

__all__ = [
    "Book",
    "FixedRules",
    "Ingest",
    "Ingested",
    "Ledger",
    "RuleSource",
    "WatchSource",
    "build_ingest",
]
