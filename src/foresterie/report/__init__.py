"""Reports from a saved run folder: HTML and Markdown report, driver sheets, maps. Never imports a solver."""
