"""The statistics behind evaluation summaries: distance travelled with a 95% confidence interval.

Counts, sums and sums of squares come from the database (they are additive); these classes
combine them and compute means, standard deviations and intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..models import EvaluationStage

# Two-sided 95%: t(0.975, df) for df = 1..30; beyond that a Cornish-Fisher expansion around z.
T_975 = [
    12.706204736,
    4.302652730,
    3.182446305,
    2.776445105,
    2.570581836,
    2.446911851,
    2.364624252,
    2.306004135,
    2.262157163,
    2.228138852,
    2.200985160,
    2.178812830,
    2.160368656,
    2.144786688,
    2.131449546,
    2.119905299,
    2.109815578,
    2.100922040,
    2.093024054,
    2.085963447,
    2.079613845,
    2.073873068,
    2.068657610,
    2.063898562,
    2.059538553,
    2.055529439,
    2.051830516,
    2.048407142,
    2.045229642,
    2.042272456,
]
Z_975 = 1.959963985


def t_975(df: int) -> float:
    """The 0.975 quantile of Student's t with `df` degrees of freedom (accurate to about 1e-6)."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df <= 30:
        return T_975[df - 1]
    z = Z_975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


@dataclass
class PairStat:
    """Distance travelled for one outcome, or pooled over outcomes (a course, or several).

    One unit per delegate: for one outcome, a delegate's pre and post rating of it; pooled, a
    delegate's mean pre, mean post and mean change over the outcomes they rated (add_delegate), so
    n is always delegates (people, once per course attended) and the interval has df = n - 1.
    """

    label: str
    n: int = 0
    sum_pre: float = 0
    sum_post: float = 0
    sum_change: float = 0
    sum_change_sq: float = 0
    improved: int = 0
    unchanged: int = 0
    worse: int = 0
    course_id: int | None = None
    outcome_index: int | None = None

    def add_delegate(self, outcomes: int, sum_pre: int, sum_post: int, sum_change: int) -> None:
        """Count one delegate by their means over the `outcomes` outcomes they rated before and after."""
        mean_change = sum_change / outcomes
        self.n += 1
        self.sum_pre += sum_pre / outcomes
        self.sum_post += sum_post / outcomes
        self.sum_change += mean_change
        self.sum_change_sq += mean_change * mean_change
        # The sign of the integer sum, so a delegate whose changes cancel out counts as unchanged exactly.
        self.improved += sum_change > 0
        self.unchanged += sum_change == 0
        self.worse += sum_change < 0

    @property
    def mean_pre(self) -> float | None:
        return self.sum_pre / self.n if self.n else None

    @property
    def mean_post(self) -> float | None:
        return self.sum_post / self.n if self.n else None

    @property
    def mean_change(self) -> float | None:
        return self.sum_change / self.n if self.n else None

    @property
    def sd_change(self) -> float | None:
        if self.n < 2:
            return None
        variance = (self.sum_change_sq - self.sum_change**2 / self.n) / (self.n - 1)
        return math.sqrt(max(variance, 0.0))

    @property
    def ci(self) -> tuple[float, float] | None:
        """(low, high) 95% confidence interval of the mean change; None when n < 2."""
        sd, mean = self.sd_change, self.mean_change
        if sd is None or mean is None:  # n < 2
            return None
        half = t_975(self.n - 1) * sd / math.sqrt(self.n)
        return mean - half, mean + half

    def share(self, name: str) -> float | None:
        """Percentage of delegates counted in `name` (improved, unchanged, worse)."""
        return 100.0 * getattr(self, name) / self.n if self.n else None


@dataclass
class StageStat:
    stage: str
    invited: int
    responded: int

    @property
    def label(self) -> str:
        return EvaluationStage(self.stage).label

    @property
    def rate(self) -> float | None:
        return 100.0 * self.responded / self.invited if self.invited else None


@dataclass
class Distribution:
    label: str
    values: list[int]
    pre: dict[int, int]
    post: dict[int, int]


@dataclass
class SatisfactionStat:
    stage: str
    key: str
    label: str
    n: int
    mean: float
    scale_max: int
