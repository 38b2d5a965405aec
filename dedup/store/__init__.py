"""Store: the database and everything in it.

Engine and sessions, models, article storage, and the migrations and SQL views shipped inside.
"""
