"""Duration distributions, in minutes, as written in scenario files.

A distribution is a small frozen object built from a mapping such as
``{dist: triangular, min: 3, mode: 5, max: 10}``; :meth:`Distribution.sample`
draws one value from a ``numpy.random.Generator``. Samples are never
negative: every supported family has non-negative support once its
parameters are valid, and :func:`parse_distribution` rejects the rest.

>>> import numpy as np
>>> d = parse_distribution({"dist": "fixed", "value": 5})
>>> d.sample(np.random.default_rng(1)), d.mean
(5.0, 5.0)
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

FAMILIES = {
    "fixed": ("value",),
    "exponential": ("mean",),
    "triangular": ("min", "mode", "max"),
    "uniform": ("min", "max"),
    "lognormal": ("median", "sigma"),
}
"""Supported families and their required parameters."""

FAMILY_NAMES_ZH = {
    "fixed": "固定值",
    "exponential": "指数分布",
    "triangular": "三角分布",
    "uniform": "均匀分布",
    "lognormal": "对数正态分布",
}


@dataclass(frozen=True)
class Distribution:
    """A non-negative duration distribution in minutes."""

    family: str
    params: tuple[tuple[str, float], ...]

    def param(self, name: str) -> float:
        """Return the parameter called ``name``."""

        return dict(self.params)[name]

    def sample(self, rng: np.random.Generator) -> float:
        """Draw one value from ``rng``."""

        return _sampler(self.family, self.params)(rng)

    @property
    def mean(self) -> float:
        """The theoretical mean in minutes."""

        p = dict(self.params)
        if self.family == "fixed":
            return p["value"]
        if self.family == "exponential":
            return p["mean"]
        if self.family == "triangular":
            return (p["min"] + p["mode"] + p["max"]) / 3
        if self.family == "uniform":
            return (p["min"] + p["max"]) / 2
        return p["median"] * math.exp(p["sigma"] ** 2 / 2)

    def describe(self) -> str:
        """Return a short Chinese description such as '三角分布(3, 5, 10)'."""

        values = ", ".join(f"{value:g}" for _, value in self.params)
        return f"{FAMILY_NAMES_ZH[self.family]}({values})"


@lru_cache(maxsize=None)
def _sampler(family: str, params: tuple[tuple[str, float], ...]):
    """Return a function of the generator that draws one value; cached, because sampling is on the hot path."""

    p = dict(params)
    if family == "fixed" or (family == "exponential" and p["mean"] == 0):
        value = float(p.get("value", 0.0))
        return lambda rng: value
    if family == "exponential":
        mean = p["mean"]
        return lambda rng: float(rng.exponential(mean))
    if family == "triangular":
        low, mode, high = p["min"], p["mode"], p["max"]
        if low == high:
            return lambda rng: low
        return lambda rng: float(rng.triangular(low, mode, high))
    if family == "uniform":
        low, high = p["min"], p["max"]
        return lambda rng: float(rng.uniform(low, high))
    median, sigma = p["median"], p["sigma"]
    return lambda rng: median * math.exp(sigma * rng.standard_normal())


EXAMPLES = {
    "fixed": "{dist: fixed, value: 5}",
    "exponential": "{dist: exponential, mean: 10}",
    "triangular": "{dist: triangular, min: 3, mode: 5, max: 10}",
    "uniform": "{dist: uniform, min: 2, max: 8}",
    "lognormal": "{dist: lognormal, median: 40, sigma: 0.4}",
}
"""One valid example per family, quoted in error hints."""

MAX_MINUTES = 1_000_000.0
"""Largest parameter in minutes (about two years); the longest horizon is 30 days."""

MAX_SIGMA = 10.0
"""Largest lognormal sigma. Far above it a draw overflows a float (exp(sigma * z) for z near 70)."""


class DistributionError(ValueError):
    """An invalid distribution, with a bilingual reason, a fix and the parameter at fault.

    ``str(error)`` is ``"zh|en"``, so callers that only split the text keep
    working. ``parameter`` is the key at fault (such as ``"sigma"``), or None
    when the problem concerns the whole mapping. ``value`` is the value at fault.
    """

    def __init__(self, message_zh: str, message_en: str, hint_zh: str = "", hint_en: str = "",
                 parameter: str | None = None, value: object = None):
        super().__init__(f"{message_zh}|{message_en}")
        self.message_zh = message_zh
        self.message_en = message_en
        self.hint_zh = hint_zh
        self.hint_en = hint_en
        self.parameter = parameter
        self.value = value


def parse_distribution(spec: object) -> Distribution:
    """Build a Distribution from a mapping, or from a bare number read as fixed; raise DistributionError."""

    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        spec = {"dist": "fixed", "value": spec}
    if not isinstance(spec, dict):
        raise DistributionError(
            "分布应写成映射，例如 {dist: triangular, min: 3, mode: 5, max: 10}",
            "a distribution must be a mapping such as {dist: triangular, min: 3, mode: 5, max: 10}",
            "也可以直接写一个分钟数，表示固定时长。", "A plain number of minutes means a fixed duration.",
            value=spec,
        )

    family = spec.get("dist")
    names = ", ".join(FAMILIES)
    if "dist" not in spec:
        raise DistributionError(
            f"缺少分布类型 dist，可用：{names}", f"the distribution type 'dist' is missing; use one of: {names}",
            f"例如 {EXAMPLES['triangular']}。", f"For example {EXAMPLES['triangular']}.",
        )
    if not isinstance(family, str) or family not in FAMILIES:
        match = difflib.get_close_matches(str(family), list(FAMILIES), n=1, cutoff=0.5)
        raise DistributionError(
            f"未知的分布类型 {family!r}，可用：{names}", f"unknown distribution {family!r}; use one of: {names}",
            f"是否应为“{match[0]}”？" if match else f"例如 {EXAMPLES['triangular']}。",
            f"Did you mean '{match[0]}'?" if match else f"For example {EXAMPLES['triangular']}.",
            parameter="dist", value=family,
        )

    required = FAMILIES[family]
    example = EXAMPLES[family]
    unknown = sorted(set(spec) - set(required) - {"dist"})
    if unknown:
        raise DistributionError(
            f"{family} 分布不接受参数 {unknown}，需要 {list(required)}", f"{family} takes {list(required)}, not {unknown}",
            f"例如 {example}。", f"For example {example}.", parameter=unknown[0], value=spec[unknown[0]],
        )
    missing = [name for name in required if name not in spec]
    if missing:
        raise DistributionError(
            f"{family} 分布缺少参数 {missing}", f"{family} is missing {missing}",
            f"例如 {example}。", f"For example {example}.",
        )

    values = {}
    for name in required:
        values[name] = _parameter(name, spec[name], example)
    _check_order(family, values)
    return Distribution(family, tuple((name, values[name]) for name in required))


def _parameter(name: str, value: object, example: str) -> float:
    """Return one parameter as a float after checking it is a finite number within its range."""

    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            (isinstance(value, float) and not math.isfinite(value)):
        raise DistributionError(
            f"参数 {name} 应为有限数字，实际为 {value!r}", f"parameter {name} must be a finite number, got {value!r}",
            f"请填写数字（分钟），例如 {example}。", f"Write a number (minutes), for example {example}.",
            parameter=name, value=value,
        )

    # Integers are compared before float() because a huge one would overflow it.
    is_sigma = name == "sigma"
    limit = MAX_SIGMA if is_sigma else MAX_MINUTES
    if value > limit:
        raise DistributionError(
            f"参数 {name} 过大（{format_number(value)}，上限 {limit:g}）",
            f"parameter {name} is too large ({format_number(value)}, limit {limit:g})",
            "sigma 常见取值 0.2～1。" if is_sigma else "请检查单位：时长以分钟计。",
            "Typical sigma values are 0.2 to 1." if is_sigma else "Check the unit: durations are minutes.",
            parameter=name, value=value,
        )
    if value < 0 and is_sigma:
        raise DistributionError(
            f"参数 sigma 不能为负数，实际为 {format_number(value)}",
            f"parameter sigma must not be negative, got {format_number(value)}",
            "sigma 是对数标准差，常见取值 0.2～1；0 表示固定为 median。",
            "sigma is the standard deviation of the log; typical values are 0.2 to 1, and 0 means always the median.",
            parameter=name, value=value,
        )
    if value < 0:
        raise DistributionError(
            f"参数 {name} 不能为负数（时长以分钟计），实际为 {format_number(value)}",
            f"parameter {name} must not be negative (durations are minutes), got {format_number(value)}",
            f"请改为 0 或正的分钟数，例如 {example}。", f"Use 0 or a positive number of minutes, for example {example}.",
            parameter=name, value=value,
        )
    return float(value)


def format_number(value: int | float) -> str:
    """Format ``value`` like %g, also for an integer too large for a float."""

    if isinstance(value, int) and abs(value) > 10**15:
        digits = str(abs(value))
        return f"{'-' if value < 0 else ''}{digits[0]}.{digits[1:6]}e+{len(digits) - 1}"
    return f"{value:g}"


def _check_order(family: str, v: dict[str, float]) -> None:
    if family == "triangular" and not v["min"] <= v["mode"] <= v["max"]:
        raise DistributionError(
            f"三角分布须满足 min ≤ mode ≤ max，实际为 {v['min']:g}, {v['mode']:g}, {v['max']:g}",
            f"triangular needs min <= mode <= max, got {v['min']:g}, {v['mode']:g}, {v['max']:g}",
            "请交换或修改这三个值，使 min 最小、max 最大。",
            "Swap or change the three values so that min is the smallest and max the largest.",
            value={"min": v["min"], "mode": v["mode"], "max": v["max"]},
        )
    if family == "uniform" and not v["min"] <= v["max"]:
        raise DistributionError(
            f"均匀分布须满足 min ≤ max，实际为 {v['min']:g}, {v['max']:g}",
            f"uniform needs min <= max, got {v['min']:g}, {v['max']:g}",
            "请交换 min 和 max。", "Swap min and max.", value={"min": v["min"], "max": v["max"]},
        )
    if family == "lognormal" and v["median"] <= 0:
        raise DistributionError(
            f"对数正态分布的 median 必须大于 0，实际为 {v['median']:g}",
            f"lognormal median must be greater than 0, got {v['median']:g}",
            "固定时长请改用 {dist: fixed, value: …}。", "For a fixed duration use {dist: fixed, value: …}.",
            parameter="median", value=v["median"],
        )
