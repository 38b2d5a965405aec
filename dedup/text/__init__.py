"""Text: from raw markup to clean, classified paragraphs.

Normalisation, URL identity, the one sentence splitter, extraction, paragraphs and their kinds.
"""
