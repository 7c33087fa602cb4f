from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("production", "0004_constraint_messages"),
    ]

    operations = [
        migrations.AddField(
            model_name="workorder",
            name="kit_analysed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="kitting analysed at"),
        ),
        migrations.AddField(
            model_name="workorder",
            name="kit_status",
            field=models.CharField(
                blank=True,
                choices=[("complete", "Complete (齐套)"), ("partial", "Partial (部分)"), ("short", "Short (缺料)")],
                max_length=10,
                verbose_name="kitting status",
            ),
        ),
        migrations.AddField(
            model_name="workorder",
            name="kittable_sets",
            field=models.DecimalField(
                blank=True, decimal_places=6, default=None, max_digits=18, null=True, verbose_name="kittable sets"
            ),
        ),
    ]
