"""Pure MRP computation (no ORM): see netting.run_mrp and docs/mrp.md."""

from .netting import (
    BomLineData,
    Demand,
    FirmOrder,
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
from .pegging import DemandRec, Peg, SupplyRec, allocate

__all__ = [
    "BomLineData",
    "DemandRec",
    "FirmOrder",
    "Peg",
    "SupplyRec",
    "allocate",
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
