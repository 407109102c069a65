"""Multi-rater reviews: ballots in, scores per unit out."""
