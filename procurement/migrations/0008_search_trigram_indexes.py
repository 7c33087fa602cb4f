# Trigram indexes for the global search (erp/search.py): GIN on UPPER(column), database only.
from django.db import migrations

from erp.migration_ops import TrigramIndex


class Migration(migrations.Migration):
    dependencies = [("procurement", "0007_requisition_sources"), ("erp", "0008_pg_trgm")]

    operations = [
        TrigramIndex(table="procurement_purchaseorder", column="number", name="procurement_purchaseorder_number_trgm"),
        TrigramIndex(table="procurement_requisition", column="number", name="procurement_requisition_number_trgm"),
        TrigramIndex(
            table="procurement_purchasereceipt", column="number", name="procurement_purchasereceipt_number_trgm"
        ),
        TrigramIndex(
            table="procurement_outsourcingorder", column="number", name="procurement_outsourcingorder_number_trgm"
        ),
    ]
