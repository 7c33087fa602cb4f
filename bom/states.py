"""BOM and ECN statuses and their allowed transitions."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from erp.states import Flow


class BomStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    DISABLED = "disabled", _("Disabled")


BOM_FLOW = Flow(
    {
        BomStatus.DRAFT: {BomStatus.APPROVED},
        BomStatus.APPROVED: {BomStatus.DISABLED},
        BomStatus.DISABLED: {BomStatus.APPROVED},
    }
)

# statuses a bulk change (the boms.csv import superseding versions) may disable, per BOM_FLOW
DISABLE_FROM = tuple(s for s in BomStatus if BOM_FLOW.can(s, BomStatus.DISABLED))


class EcnStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    CANCELLED = "cancelled", _("Cancelled")


ECN_FLOW = Flow(
    {
        EcnStatus.DRAFT: {EcnStatus.APPROVED, EcnStatus.CANCELLED},
    }
)
