# The item lookup's name search (inventory.selectors.item_lookup) for texts of one or two
# characters (轮胎, 车架: most Chinese words), which the trigram index inventory_item_name_trgm
# (0007, pg_trgm) cannot serve: a GIN index on the name's single characters and character pairs,
# searched with `item_name_ngrams(UPPER(name)) @> ARRAY[<text>]`. PostgreSQL only.
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION item_name_ngrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}')
  FROM (
    SELECT substr(t, i, 1) AS g FROM generate_series(1, char_length(t)) AS i
    UNION ALL
    SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i
  ) grams
$$
"""
INDEX = (
    "CREATE INDEX IF NOT EXISTS inventory_item_name_ngrams ON inventory_item "
    "USING gin (item_name_ngrams(UPPER(name::text))) WITH (fastupdate = off)"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS inventory_item_name_ngrams")
    schema_editor.execute("DROP FUNCTION IF EXISTS item_name_ngrams(text)")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0009_ledger_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
