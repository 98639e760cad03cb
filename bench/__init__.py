"""Performance at scale: a seeded data generator and benchmarks that compare each workload with
the fastest way to do the same work (its floor), measured in the same run.

`python -m bench generate --size S|M|L|XL` fills an empty database; `python -m bench run` (or
`make bench`) prints the table of workloads, floors and ratios; `python -m bench throughput` serves
the bench app with gunicorn and loads it with wrk on 127.0.0.1.

This package is tooling, not the product: it sits beside `lms/`, is never installed with it (the
wheel holds `lms*` only) and is not part of the `lms` command. It imports `lms`; nothing in `lms`
imports it, and the bare route the pages are compared with exists only in `bench.app`.
"""
