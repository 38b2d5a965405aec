"""Store: the database and everything that lives in it.

Engine and sessions, models, article storage, migrations and SQL views shipped inside the package."""
