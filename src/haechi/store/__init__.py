"""Storage: SQLAlchemy models, Alembic migrations and one repository per aggregate."""

from haechi.store.database import Database, open_database

__all__ = ["Database", "open_database"]
