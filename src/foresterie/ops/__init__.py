"""Daily operations: the season ledger, its imports, day runs and housing intake."""
