"""costing services: cost runs, period close, cost inputs; the hook for apps above costing."""

from .listeners import (
    CostEntryData,
    CostRunEvent,
    register_cost_run_listener,
    unregister_cost_run_listener,
)

__all__ = ["CostEntryData", "CostRunEvent", "register_cost_run_listener", "unregister_cost_run_listener"]
