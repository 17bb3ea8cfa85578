"""Test doubles that are real servers: used by the test suite, the benchmarks and CI's eval run."""
