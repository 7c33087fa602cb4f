"""Pure MRP computation (no ORM): see netting.run_mrp and docs/mrp.md."""

from .netting import (
    BomLineData,
    Demand,
    Forecast,
    MrpCycleError,
    MrpException,
    MrpResult,
    PlanItem,
    PlannedOrder,
    Receipt,
    SalesLine,
    lot_size,
    low_level_codes,
    run_mrp,
)

__all__ = [
    "BomLineData",
    "Demand",
    "Forecast",
    "MrpCycleError",
    "MrpException",
    "MrpResult",
    "PlanItem",
    "PlannedOrder",
    "Receipt",
    "SalesLine",
    "lot_size",
    "low_level_codes",
    "run_mrp",
]
