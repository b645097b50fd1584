"""Evaluation: the article's eval set, the SQuAD benchmark, and speed/memory benchmarks."""
