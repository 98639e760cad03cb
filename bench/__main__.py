"""`python -m bench generate|drop|run|throughput ...`: the benchmarks' own command, outside `lms`.

Run it from the repository's root (as `make bench` does): the bench package is tooling that is
never installed with the product, so Python finds it in the current directory.
"""
from bench.cli import main

if __name__ == "__main__":
    main()
