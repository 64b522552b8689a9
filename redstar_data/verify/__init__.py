"""Verification: traces → labels (math equivalence, quality flags). One grader, reused everywhere."""
