"""Persistence: SQLAlchemy 2.0 tables, engine/session set-up, repositories that never commit."""
