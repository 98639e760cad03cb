"""Performance at scale: a seeded data generator and benchmarks that compare each workload with
the fastest way to do the same work (its floor), measured in the same run.

`lms bench generate --size S|M|L|XL` fills an empty database; `lms bench run` (or `make bench`)
prints the table of workloads, floors and ratios; `lms bench throughput` serves the bench app
with gunicorn and loads it with wrk on 127.0.0.1. Nothing here is imported by the production app:
the bare route the pages are compared with exists only in `lms.bench.app`.
"""
