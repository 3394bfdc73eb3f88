"""The backtest report: figures over a corpus (`stats`), as text and JSON (`text`), as a page
(`html`)."""
