"""The sqlmap scans' summary: per target, how many requests reached the server and whether the scan
finished, printed at the end of the run whether the targets passed or not."""
from __future__ import annotations


def pytest_terminal_summary(terminalreporter):
    lines = [value for outcome in ("passed", "failed", "error")
             for report in terminalreporter.stats.get(outcome, ())
             for name, value in getattr(report, "user_properties", ()) if name == "sqlmap"]
    if lines:
        terminalreporter.section("sqlmap targets")
        for line in lines:
            terminalreporter.write_line(line)
