"""Migration operations of the kernel that apps use in their own migrations.

TrigramIndex: a GIN trigram index on UPPER(column) (pg_trgm), the index the global search
(erp/search.py) uses for its case-insensitive substring matches (`icontains` compiles to
`UPPER(col::text) LIKE UPPER(%s)`). Database-only: the models do not declare it, so
makemigrations sees no difference; on other databases (SQLite quick start) it does nothing.
`fastupdate = off`: a new document is in the index at once, not in a pending list that every
search would scan until the next vacuum (bulk inserts made searches 30x slower with it on).
"""

from django.db.migrations.operations.base import Operation


class TrigramIndex(Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, column: str, name: str):
        self.table = table
        self.column = column
        self.name = name

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {"table": self.table, "column": self.column, "name": self.name})

    def state_forwards(self, app_label, state):
        pass  # not part of the model state

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        qn = schema_editor.quote_name
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {qn(self.name)} ON {qn(self.table)} "
            f"USING gin ((UPPER({qn(self.column)}::text)) gin_trgm_ops) WITH (fastupdate = off)"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(self.name)}")

    def describe(self):
        return f"Trigram index {self.name} on {self.table}.{self.column}"

    @property
    def migration_name_fragment(self):
        return f"trgm_{self.name}"
