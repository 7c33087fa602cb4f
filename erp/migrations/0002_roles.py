"""Create the role groups with their module permissions. Model permissions of each app are
added after every migrate by erp.roles.sync_roles (post_migrate), as apps gain models."""

from django.db import migrations

MODULES = ["sales", "purchasing", "outsourcing", "warehouse", "bom", "planning", "production", "costing", "reports", "system"]
ROLES = {
    "管理员": MODULES,
    "销售": ["sales", "reports"],
    "采购": ["purchasing", "outsourcing", "reports"],
    "仓库": ["warehouse", "reports"],
    "计划": ["planning", "bom", "production", "reports"],
    "生产": ["production", "bom"],
    "成本会计": ["costing", "reports", "warehouse"],
}


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ct, _ = ContentType.objects.get_or_create(app_label="erp", model="module")
    perms = {}
    for code in MODULES:
        perms[code], _ = Permission.objects.get_or_create(
            content_type=ct, codename=f"access_{code}", defaults={"name": f"Can open {code}"}
        )
    for name, modules in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*[perms[m] for m in modules])


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [("erp", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length"), ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(create_roles, remove_roles)]
