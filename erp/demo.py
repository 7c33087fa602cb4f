"""Demo users: one per role. Other apps add their demo records in `<app>/demo.py: seed(out)`."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .models import CompanySettings, Period

DEMO_PASSWORD = "tiangong123"
DEMO_USERS = [
    # username, group, full name
    ("admin", "管理员", "管理员 Admin"),
    ("sales", "销售", "王销售"),
    ("buyer", "采购", "李采购"),
    ("warehouse", "仓库", "赵仓管"),
    ("planner", "计划", "陈计划"),
    ("production", "生产", "刘车间"),
    ("accountant", "成本会计", "孙会计"),
    ("marketing", "市场", "吴市场"),
    ("bookkeeper", "会计", "周会计"),
    ("auditor", "审计", "钱审计"),
    ("supplier", "供应商", "郑供应商"),
]


def seed(out):
    User = get_user_model()
    CompanySettings.get()
    for username, group_name, full_name in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": full_name, "is_staff": username == "admin"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_superuser = username == "admin"
            user.save()
        user.groups.add(Group.objects.get(name=group_name))
    import datetime

    today = datetime.date.today()
    Period.objects.get_or_create(year=today.year, month=today.month)
    out.write("Demo logins (password %s): %s" % (DEMO_PASSWORD, ", ".join(u for u, _g, _n in DEMO_USERS)))
