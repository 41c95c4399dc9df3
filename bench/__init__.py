"""Benchmarks for rota's solver, on synthetic scenarios built in code."""
