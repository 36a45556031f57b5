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


def parse_distribution(spec: object) -> Distribution:
    """Build a Distribution from a mapping; raise ValueError with a bilingual reason.

    The ValueError's message is ``"zh|en"`` so that callers can split it into
    the two languages of a validation issue.
    """

    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        spec = {"dist": "fixed", "value": spec}
    if not isinstance(spec, dict):
        raise ValueError("分布应写成映射，例如 {dist: triangular, min: 3, mode: 5, max: 10}"
                         "|a distribution must be a mapping such as {dist: triangular, min: 3, mode: 5, max: 10}")

    family = spec.get("dist")
    if family not in FAMILIES:
        names = ", ".join(FAMILIES)
        raise ValueError(f"未知的分布类型 {family!r}，可用：{names}|unknown distribution {family!r}; use one of: {names}")

    required = FAMILIES[family]
    unknown = sorted(set(spec) - set(required) - {"dist"})
    if unknown:
        raise ValueError(f"{family} 分布不接受参数 {unknown}，需要 {list(required)}"
                         f"|{family} takes {list(required)}, not {unknown}")
    missing = [name for name in required if name not in spec]
    if missing:
        raise ValueError(f"{family} 分布缺少参数 {missing}|{family} is missing {missing}")

    values = {}
    for name in required:
        value = spec[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"参数 {name} 应为有限数字，实际为 {value!r}|parameter {name} must be a finite number, got {value!r}")
        values[name] = float(value)

    _check_parameters(family, values)
    return Distribution(family, tuple((name, values[name]) for name in required))


def _check_parameters(family: str, v: dict[str, float]) -> None:
    negative = [name for name, value in v.items() if value < 0]
    if negative:
        raise ValueError(f"参数 {negative} 不能为负数（时长以分钟计）|parameters {negative} must not be negative (durations are minutes)")
    if family == "triangular" and not v["min"] <= v["mode"] <= v["max"]:
        raise ValueError(f"三角分布须满足 min ≤ mode ≤ max，实际为 {v['min']:g}, {v['mode']:g}, {v['max']:g}"
                         f"|triangular needs min <= mode <= max, got {v['min']:g}, {v['mode']:g}, {v['max']:g}")
    if family == "uniform" and not v["min"] <= v["max"]:
        raise ValueError(f"均匀分布须满足 min ≤ max，实际为 {v['min']:g}, {v['max']:g}"
                         f"|uniform needs min <= max, got {v['min']:g}, {v['max']:g}")
    if family == "lognormal" and v["median"] <= 0:
        raise ValueError("对数正态分布的 median 必须大于 0|lognormal median must be greater than 0")
