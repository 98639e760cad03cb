"""Reports: the completion report, the drill-down, charts, CSV/XLSX exports, all aggregated in SQL."""
