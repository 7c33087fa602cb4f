"""System checks (reserved for kernel invariants)."""
