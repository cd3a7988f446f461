"""Housing: units, the integer program, the lexicographic tiers, waitlist reasons, re-planning."""
