"""After scoring: peers, benchmarks, targets, tier transitions, sensitivity, period roll-ups."""
