"""Views of the labour app, one module per area: supply (shortages, agencies, pairings), drives, complaints,
disputes and figures. Thin: a form parses, one service or selector does the work."""
