"""The stock ledger is append-only: the database itself refuses UPDATE and DELETE of moves."""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION inventory_stockmove_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'stock moves are append-only: post a reversing move instead' USING ERRCODE = '23001';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER inventory_stockmove_no_update_delete
  BEFORE UPDATE OR DELETE ON inventory_stockmove
  FOR EACH ROW EXECUTE FUNCTION inventory_stockmove_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS inventory_stockmove_no_update_delete ON inventory_stockmove;
DROP FUNCTION IF EXISTS inventory_stockmove_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER inventory_stockmove_no_update BEFORE UPDATE ON inventory_stockmove
       BEGIN SELECT RAISE(ABORT, 'stock moves are append-only: post a reversing move instead'); END;""",
    """CREATE TRIGGER inventory_stockmove_no_delete BEFORE DELETE ON inventory_stockmove
       BEGIN SELECT RAISE(ABORT, 'stock moves are append-only: post a reversing move instead'); END;""",
]


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS inventory_stockmove_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS inventory_stockmove_no_delete")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
