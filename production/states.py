"""Statuses and allowed transitions of production documents."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from erp.states import Flow


class WorkOrderStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RELEASED = "released", _("Released")
    STARTED = "started", _("Started")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


WO_FLOW = Flow(
    {
        WorkOrderStatus.PLANNED: {WorkOrderStatus.RELEASED, WorkOrderStatus.CANCELLED},
        WorkOrderStatus.RELEASED: {WorkOrderStatus.STARTED, WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED},
        WorkOrderStatus.STARTED: {WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED},
        # a cancelled receipt may take a completed order back to started
        WorkOrderStatus.COMPLETED: {WorkOrderStatus.CLOSED, WorkOrderStatus.STARTED},
    }
)

OPEN_WO_STATUSES = (WorkOrderStatus.PLANNED, WorkOrderStatus.RELEASED, WorkOrderStatus.STARTED)
IN_PRODUCTION_WO_STATUSES = (WorkOrderStatus.RELEASED, WorkOrderStatus.STARTED)


class DocStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


DOC_FLOW = Flow(
    {
        DocStatus.DRAFT: {DocStatus.CONFIRMED, DocStatus.CANCELLED},
        DocStatus.CONFIRMED: {DocStatus.CANCELLED},
    }
)


class PickingMode(models.TextChoices):
    KIT = "kit", _("Kit picking (配套领料)")
    BATCH = "batch", _("Batch picking (分批领料)")
    MERGED = "merged", _("Merged picking (合并领料)")
    RETURN = "return", _("Return to stock (退料)")
    SUPPLEMENT = "supplement", _("Supplementary picking (补料)")


class IssueMethod(models.TextChoices):
    MANUAL = "manual", _("Manual issue (直接领料)")
    BACKFLUSH = "backflush", _("Backflush (倒冲)")
    NONE = "none", _("Not issued (不领料)")


class LineType(models.TextChoices):
    COMPONENT = "component", _("Component")
    BY_PRODUCT = "by_product", _("By-product")
    JOINT_PRODUCT = "joint_product", _("Joint product")


class WarningKind(models.TextChoices):
    LATE_START = "late_start", _("Late start")
    DUE_SOON = "due_soon", _("Due soon")
    BEHIND = "behind", _("Behind schedule")
    OVERDUE = "overdue", _("Overdue")
    SHORT = "short", _("Short of material")


class KittingStatus(models.TextChoices):
    """Result of the last kitting analysis (齐套分析) written back on a work order."""

    COMPLETE = "complete", _("Complete (齐套)")
    PARTIAL = "partial", _("Partial (部分)")
    SHORT = "short", _("Short (缺料)")
