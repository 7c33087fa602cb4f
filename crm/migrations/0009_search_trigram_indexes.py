# Trigram indexes for the global search (erp/search.py): GIN on UPPER(column), database only.
from django.db import migrations

from erp.migration_ops import TrigramIndex


class Migration(migrations.Migration):
    dependencies = [("crm", "0008_opportunity_lines"), ("erp", "0008_pg_trgm")]

    operations = [
        TrigramIndex(table="crm_customer", column="code", name="crm_customer_code_trgm"),
        TrigramIndex(table="crm_customer", column="name", name="crm_customer_name_trgm"),
        TrigramIndex(table="crm_quotation", column="number", name="crm_quotation_number_trgm"),
        TrigramIndex(table="crm_salesorder", column="number", name="crm_salesorder_number_trgm"),
        TrigramIndex(table="crm_delivery", column="number", name="crm_delivery_number_trgm"),
    ]
