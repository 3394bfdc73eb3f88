"""The rule language: load and check rule files, compile them once, match articles fast."""

from bot.rules.compile import compile_rules, load_rulebook
from bot.rules.engine import Match, RuleBook, Topic
from bot.rules.problems import Problem

__all__ = ["Match", "Problem", "RuleBook", "Topic", "compile_rules", "load_rulebook"]
