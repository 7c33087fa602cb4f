"""Pure production math (no ORM): kitting, batch caps, merged allocation, backflush, warnings."""
