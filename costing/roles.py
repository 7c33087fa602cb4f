"""Actions of costing documents performed by other roles (erp.roles collects them)."""

GRANTS = {
    # shop-floor leads report labour hours on their work orders (报工); overhead is allocated by them
    "生产": ["costing.add_workhours"],
}
