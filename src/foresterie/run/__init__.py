"""A run: the solve pipeline, plan files, KPIs, run folders and their manifest."""
