"""foresterie: housing and shuttle plans for Puglia's seasonal farmworker guesthouses."""

__version__ = "0.4.0"
