"""Bilingual (Chinese + English) report mining: PDFs and text in, traceable tables out."""
__version__ = "0.1.0"
