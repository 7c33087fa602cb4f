"""portal services."""
