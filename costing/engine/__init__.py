"""Pure cost computation (no ORM): monthly weighted average, order costing with WIP by
equivalent units, joint/by-product splits. See docs/costing.md."""

from .core import (
    MoveIn,
    OrderIn,
    OrderOut,
    Output,
    RunResult,
    ScopeOut,
    allocate,
    compute,
    order_cost,
    split_joint,
)

__all__ = [
    "MoveIn",
    "OrderIn",
    "OrderOut",
    "Output",
    "RunResult",
    "ScopeOut",
    "allocate",
    "compute",
    "order_cost",
    "split_joint",
]
