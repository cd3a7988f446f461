"""Sweeps: many perturbed seasons times a grid of decisions, solved on Dask; the sweep report."""
