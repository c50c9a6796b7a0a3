"""Benchmarks, peers, round trips and the load test. May import anything; nothing in genart imports it."""
