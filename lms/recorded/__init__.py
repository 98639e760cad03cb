"""Training done elsewhere: completions recorded by hand or from a CSV file (issue 20)."""
