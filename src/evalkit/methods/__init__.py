"""Scientific weighting and comprehensive evaluation (科学赋权与综合评价) as pure numpy functions.

Every function works column-wise on float64 arrays (a decision matrix ``X`` is (n_units, n_criteria)),
has no per-unit Python loop, and declares its conventions. Shared conventions: weights are >= 0 and sum
to 1 within 1e-9 (never re-normalised silently); a criterion's direction is "higher" / "lower" (or a
boolean, True = higher is better; default all higher); rank 1 is the best and ties share the best rank
("1224", exact float equality); bad definitions raise ``DefinitionError``, bad data ``DataError``, each
with a ``Problem`` that names the place, what was expected and what was found.

Weights
- ``ahp`` (层次分析法): pairwise matrix on the 1-9 scale ("1/3" texts allowed), priority vector by
  ``eigen`` (default), ``geometric`` or ``arithmetic``; lambda_max = principal eigenvalue;
  CI = (lambda_max - n)/(n - 1); CR = CI / RI from a named table (``saaty`` 1980 default,
  ``alonso_lamata`` 2006, ``cn_1000``); n <= 2 gives CR = 0; consistent when CR < 0.1.
  ``worst_judgement`` names the comparison furthest from w_i / w_j; ``global_weights`` multiplies local
  weights down a hierarchy (summing over paths); ``parse_matrix`` reads a loaded YAML/JSON definition.
- ``entropy_weights`` (熵权法): min-max by direction, p = y / sum y, 0 ln 0 = 0, e / ln n; a constant
  column weighs 0.
- ``critic_weights`` (CRITIC): sigma (ddof=1) x sum(1 - r); constant columns weigh 0 and are left out.
- ``std_weights`` (标准离差法): sigma of the min-max normalised columns.
- ``combine_weights`` (组合赋权): ``linear`` alpha*w1 + (1-alpha)*w2 or ``multiplicative`` w1*w2/sum.

Evaluation (each returns a frozen result with ``scores``, ``rank`` and ``to_dict()``)
- ``saw``: weighted sum of min-max (default) or max-normalised values.
- ``topsis``: vector normalisation (default) or min-max; ideal/anti-ideal by direction;
  C = D- / (D+ + D-); a unit at the ideal gets 1.
- ``vikor``: S, R, Q (v = 0.5), lower Q is better; acceptable advantage / stability and the
  compromise set of Opricovic & Tzeng (2004).
- ``grey_relational`` (灰色关联): min-max by direction, reference = column best, rho = 0.5, global
  Delta min/max, grade = weighted mean of coefficients.
- ``fuzzy_evaluation`` (模糊综合评价): R from ballot counts (rows sum to 1), B = W o R with
  ``weighted_average`` (default) or ``max_min`` (then normalised), maximum-membership grade, score from
  grade values; vectorised over units (ballots (n_units, n_criteria, n_grades)).
- ``delphi_round`` (德尔菲法): per item mean, std (ddof=1), CV, full-mark rate; ``kendall_w`` with tie
  correction, chi2 = m (n - 1) W, df = n - 1 and an exact p-value.

Normalisation helpers: ``minmax_normalize`` (constant column -> 1), ``max_normalize`` (x/max, min/x),
``vector_normalize`` (x / ||x||, direction not folded).

From files, as the commands do (each report's ``to_dict()`` is the JSON the command prints)
- ``ahp_from_file`` -> ``AhpReport`` (`evalkit ahp`); ``rank_units`` -> ``RankReport`` (`evalkit rank`,
  with the rank-reversal check); ``fuzzy_from_files`` -> ``FuzzyReport`` (`evalkit fuzzy`);
  ``delphi_from_file`` -> ``DelphiReport`` (`evalkit delphi`). The sensitivity report of a scorecard is
  ``evalkit.analysis.sensitivity.sensitivity_of``.
- Readers: ``read_matrix`` (a wide decision matrix), ``read_ballots`` (fuzzy ballots),
  ``read_delphi_scores`` (a Delphi round), ``read_weights_file`` (a list, a mapping or an AHP matrix),
  ``read_ahp_matrix``; inline weights and directions: ``weights_from_text``, ``parse_directions``.
- ``rank_reversals``: remove each unit in turn, re-rank and list the pairs whose order flips.
"""

from .ahp import (
    AHP_METHODS,
    RI_SOURCES,
    RI_TABLES,
    SAATY_SCALE,
    AhpResult,
    Judgement,
    ahp,
    global_weights,
    judgements_by_deviation,
    pairwise_matrix,
    parse_matrix,
    principal_eigen,
    priority_vector,
    random_index,
    worst_judgement,
)
from .ahp_report import AhpReport, ahp_from_file
from .arrays import competition_rank
from .delphi import DelphiResult, KendallW, average_ranks, chi2_sf, delphi_round, kendall_w
from .delphi_report import DelphiReport, delphi_from_file
from .fuzzy import FUZZY_OPERATORS, FuzzyResult, fuzzy_evaluation, membership_matrix
from .fuzzy_report import FuzzyReport, fuzzy_from_files
from .grey import GREY_NORMALIZATIONS, GreyResult, grey_relational
from .inputs import Ballots, DelphiScores, read_ballots, read_delphi_scores
from .matrix_input import DecisionMatrix, read_matrix
from .normalize import max_normalize, minmax_normalize, vector_normalize
from .rank_report import RankReport, rank_units
from .reversal import Reversal, ReversalCheck, rank_reversals
from .saw import SAW_NORMALIZATIONS, SawResult, saw
from .topsis import TOPSIS_NORMALIZATIONS, TopsisResult, topsis
from .vikor import VikorResult, vikor
from .weight_input import Notice, parse_directions, read_ahp_matrix, read_weights_file, weights_from_text
from .weights import (
    COMBINE_METHODS,
    CriticWeights,
    EntropyWeights,
    StdWeights,
    combine_weights,
    critic_weights,
    entropy_weights,
    std_weights,
)

__all__ = [
    "AHP_METHODS",
    "COMBINE_METHODS",
    "FUZZY_OPERATORS",
    "GREY_NORMALIZATIONS",
    "RI_SOURCES",
    "RI_TABLES",
    "SAATY_SCALE",
    "SAW_NORMALIZATIONS",
    "TOPSIS_NORMALIZATIONS",
    "AhpReport",
    "AhpResult",
    "Ballots",
    "CriticWeights",
    "DecisionMatrix",
    "DelphiReport",
    "DelphiResult",
    "DelphiScores",
    "EntropyWeights",
    "FuzzyReport",
    "FuzzyResult",
    "GreyResult",
    "Judgement",
    "KendallW",
    "Notice",
    "RankReport",
    "Reversal",
    "ReversalCheck",
    "SawResult",
    "StdWeights",
    "TopsisResult",
    "VikorResult",
    "ahp",
    "ahp_from_file",
    "average_ranks",
    "chi2_sf",
    "combine_weights",
    "competition_rank",
    "critic_weights",
    "delphi_from_file",
    "delphi_round",
    "entropy_weights",
    "fuzzy_evaluation",
    "fuzzy_from_files",
    "global_weights",
    "grey_relational",
    "judgements_by_deviation",
    "kendall_w",
    "max_normalize",
    "membership_matrix",
    "minmax_normalize",
    "pairwise_matrix",
    "parse_directions",
    "parse_matrix",
    "principal_eigen",
    "priority_vector",
    "random_index",
    "rank_reversals",
    "rank_units",
    "read_ahp_matrix",
    "read_ballots",
    "read_delphi_scores",
    "read_matrix",
    "read_weights_file",
    "saw",
    "std_weights",
    "topsis",
    "vector_normalize",
    "vikor",
    "weights_from_text",
    "worst_judgement",
]
