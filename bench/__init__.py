"""National-scale benchmarks of ROR search: ``python -m bench.run [--units N] [--quick]``."""
