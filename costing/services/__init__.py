"""costing services."""
