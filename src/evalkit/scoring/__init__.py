"""Scoring: the engine, tree roll-up, adjustments, grading, quotas, ranking, rounding, the Evaluation."""
