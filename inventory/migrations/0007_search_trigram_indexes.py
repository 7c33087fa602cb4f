# Trigram indexes for the global search (erp/search.py): GIN on UPPER(column), database only.
from django.db import migrations

from erp.migration_ops import TrigramIndex


class Migration(migrations.Migration):
    dependencies = [("inventory", "0006_item_entry_defaults"), ("erp", "0008_pg_trgm")]

    operations = [
        TrigramIndex(table="inventory_item", column="code", name="inventory_item_code_trgm"),
        TrigramIndex(table="inventory_item", column="name", name="inventory_item_name_trgm"),
        TrigramIndex(table="inventory_supplier", column="code", name="inventory_supplier_code_trgm"),
        TrigramIndex(table="inventory_supplier", column="name", name="inventory_supplier_name_trgm"),
        TrigramIndex(table="inventory_otherreceipt", column="number", name="inventory_otherreceipt_number_trgm"),
        TrigramIndex(table="inventory_otherissue", column="number", name="inventory_otherissue_number_trgm"),
        TrigramIndex(table="inventory_transfer", column="number", name="inventory_transfer_number_trgm"),
        TrigramIndex(table="inventory_stockcount", column="number", name="inventory_stockcount_number_trgm"),
    ]
