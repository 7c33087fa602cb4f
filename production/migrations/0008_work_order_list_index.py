# The production tracking list (and the warehouse's work orders to pick) is ordered by planned
# start and number, newest first: this index lets a page read its 25 rows instead of joining and
# sorting every work order (issue 20, load test). Database only, like the search indexes.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("production", "0007_search_trigram_indexes")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS production_wo_list_order ON production_workorder (planned_start, number)",
            "DROP INDEX IF EXISTS production_wo_list_order",
        )
    ]
