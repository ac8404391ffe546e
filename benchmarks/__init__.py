"""Benchmarks of gongkai against the obvious ways (`make bench`; see README.md)."""
