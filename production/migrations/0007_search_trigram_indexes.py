# Trigram indexes for the global search (erp/search.py): GIN on UPPER(column), database only.
from django.db import migrations

from erp.migration_ops import TrigramIndex


class Migration(migrations.Migration):
    dependencies = [("production", "0006_replan_permission"), ("erp", "0008_pg_trgm")]

    operations = [
        TrigramIndex(table="production_workorder", column="number", name="production_workorder_number_trgm"),
        TrigramIndex(table="production_picking", column="number", name="production_picking_number_trgm"),
        TrigramIndex(table="production_fgreceipt", column="number", name="production_fgreceipt_number_trgm"),
    ]
