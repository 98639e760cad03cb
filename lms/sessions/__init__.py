"""Training sessions of course runs: staff pages, sign-ups, the attendance register and its figures."""
