# The trigram extension for the global search's indexes (erp/search.py, erp/migration_ops.py).
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("erp", "0007_period_lifecycle")]

    operations = [TrigramExtension()]
