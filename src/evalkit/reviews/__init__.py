"""Multi-rater reviews: the definition (`definition`), the ballots (`ballots`) and the count (`review`).

``review(definition, ballots, units)`` does all three; the long-format rows `evalkit run --data` reads
come from `ReviewResult.long_rows` (or `review_data_csv`, optionally merged with a data file).
"""

from evalkit.reviews.ballots import BALLOT_COLUMNS, Ballots, VoidBallot, ballots_table, read_ballots
from evalkit.reviews.definition import (
    AGGREGATIONS,
    DEFAULT_CATEGORIES,
    DEFAULT_INDICATOR,
    FALLBACKS,
    REVIEW_FORMAT,
    Quota,
    RaterGroup,
    ReviewDefinition,
    Word,
    load_review,
    review_problems,
)
from evalkit.reviews.review import (
    BELOW_MINIMUM,
    FALLBACK,
    FALLBACK_MISSING,
    NO_BALLOTS,
    OK,
    STATUS_NAMES,
    ReviewResult,
    aggregate,
    review,
    void_ballots,
)

__all__ = ["AGGREGATIONS", "BALLOT_COLUMNS", "BELOW_MINIMUM", "DEFAULT_CATEGORIES", "DEFAULT_INDICATOR", "FALLBACK",
           "FALLBACKS", "FALLBACK_MISSING", "NO_BALLOTS", "OK", "REVIEW_FORMAT", "STATUS_NAMES", "Ballots", "Quota",
           "RaterGroup", "ReviewDefinition", "ReviewResult", "VoidBallot", "Word", "aggregate", "ballots_table",
           "load_review", "read_ballots", "review", "review_problems", "void_ballots"]
