"""Versioned schema migrations: each module has VERSION, DESCRIPTION and STATEMENTS.

Statements must be idempotent (``IF NOT EXISTS``) so that a half-applied migration can be
re-run; a migration is recorded as a ``(:SchemaMigration)`` node once all its statements ran.
"""
