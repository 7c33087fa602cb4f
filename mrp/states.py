"""MRP run statuses and their allowed transitions.

A run is queued by `mrp_run_start`, taken by one worker (queued → running) and ends done or
failed; both are terminal (a new run is a new row). Every change goes through RUN_FLOW in
`mrp.services.runs`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from erp.states import Flow


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


RUN_FLOW = Flow(
    {
        RunStatus.QUEUED: {RunStatus.RUNNING},
        RunStatus.RUNNING: {RunStatus.DONE, RunStatus.FAILED},
    }
)

ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
FINISHED = (RunStatus.DONE, RunStatus.FAILED)


class PlannedStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("planned order", "Open")
    CONVERTED = "converted", pgettext_lazy("planned order", "Converted")


# a planned order becomes one document, once (mrp.services.conversion)
PLANNED_FLOW = Flow({PlannedStatus.OPEN: {PlannedStatus.CONVERTED}})
