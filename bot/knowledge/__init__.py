"""The knowledge base: entities, their names, the instruments they move; found in articles."""

from bot.knowledge.base import Entity, Knowledge, load_knowledge, operator_file, shipped

__all__ = ["Entity", "Knowledge", "load_knowledge", "operator_file", "shipped"]
