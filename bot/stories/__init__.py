"""Story detection: one event told by many outlets and reposts becomes one story."""

from bot.stories.cluster import Decision, StoryIndex, StoryTuning
from bot.stories.features import StoryFeatures, describe

__all__ = ["Decision", "StoryFeatures", "StoryIndex", "StoryTuning", "describe"]
