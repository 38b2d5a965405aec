"""Stories: from reused passages to stories, origins and ledgers.

Scope, clustering, credits, origin, alignment and ledger decide; ``update`` is the one writer.
"""
