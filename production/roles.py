"""Actions on production documents that roles outside the production app perform (erp.roles).

The production lead (生产) holds every production permission: proposes pickings, returns and
supplements, reports starts, scrap and finished goods, closes orders. Besides:

- the planner (计划) creates work orders (by hand, from sales-order lines — 以销定产 — and as
  child orders), releases, changes (变更: quantity and dates) and cancels them;
- the warehouse clerk (仓库) starts kit and batch picking from a work order (read-only for it
  otherwise), posts (and reverses) pickings, returns, supplements and finished-goods receipts:
  the goods move through the stores;
- the cost accountant (成本会计) only reads production documents (through the warehouse pages).
"""

GRANTS = {
    "计划": [
        "production.add_workorder",
        "production.release_workorder",
        "production.cancel_workorder",
        "production.replan_workorder",
    ],
    "仓库": [
        "production.add_picking",  # starts kit and batch picking from the work order it picks for
        "production.post_picking",
        "production.post_fgreceipt",
    ],
}
