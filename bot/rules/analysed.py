"""An article analysed once: what matching, watches and entity finding all read of its text."""

from __future__ import annotations

from dataclasses import dataclass

from bot.article import Article
from bot.rules.engine import article_streams


@dataclass(frozen=True, slots=True)
class AnalysedArticle:
    """An article with the folded word streams of its title, summary and body, made once."""

    article: Article
    streams: tuple[str, str, str]

    @property
    def title_stream(self) -> str:
        """The headline's word stream."""
        return self.streams[0]

    @property
    def summary_stream(self) -> str:
        """The summary's word stream (` ` for none)."""
        return self.streams[1]


def analyse_article(article: Article) -> AnalysedArticle:
    """The article's analysis, independent of any rule book, watch or knowledge base."""
    return AnalysedArticle(article, article_streams(article))
