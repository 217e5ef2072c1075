"""Evaluation against hand-curated gold: the gold format, the scorer, the review page, importers."""
