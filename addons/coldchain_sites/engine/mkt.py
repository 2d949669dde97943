"""Mean kinetic temperature (pure numpy).

MKT = (ΔH/R) / ( -ln( Σ tᵢ·exp(-ΔH/(R·Tᵢ)) / Σ tᵢ ) ), temperatures in kelvin, tᵢ the
duration each reading stands for; ΔH/R defaults to 10 000 K (ΔH = 83.144 kJ/mol,
R = 8.3144 J/(mol·K)).  The exponentials are taken relative to a reference temperature
(:data:`T_REF_K`) so that the weights stay near 1 (no underflow, better prefix sums).
"""

from __future__ import annotations

import numpy as np

from .excursion_types import DEFAULT_DH_R

KELVIN = 273.15
T_REF_K = KELVIN + 20.0


def arrhenius_weight(values_c: np.ndarray, dh_r: float = DEFAULT_DH_R) -> np.ndarray:
    """exp(-ΔH/(R·T)) scaled by exp(ΔH/(R·T_REF_K)), for temperatures in °C."""
    return np.exp(dh_r * (1.0 / T_REF_K - 1.0 / (np.asarray(values_c, dtype=np.float64) + KELVIN)))


def mkt_from_sums(weighted: np.ndarray | float, total: np.ndarray | float, dh_r: float):
    """MKT (°C) from Σ tᵢ·w(Tᵢ) and Σ tᵢ with :func:`arrhenius_weight` weights.

    Where ``total`` is 0 the result is NaN.
    """
    weighted = np.asarray(weighted, dtype=np.float64)
    total = np.asarray(total, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mean = np.log(weighted / total)
        return dh_r / (dh_r / T_REF_K - log_mean) - KELVIN


def mean_kinetic_temperature(
    values_c: np.ndarray | list[float],
    durations: np.ndarray | list[float] | None = None,
    dh_r: float = DEFAULT_DH_R,
) -> float:
    """MKT in °C of temperatures ``values_c`` each standing for ``durations`` (any unit).

    Without durations every value weighs the same (e.g. 52 weekly means).
    """
    values = np.asarray(values_c, dtype=np.float64)
    if values.size == 0:
        raise ValueError("MKT of no readings")
    if durations is None:
        weights = np.ones_like(values)
    else:
        weights = np.asarray(durations, dtype=np.float64)
        if weights.shape != values.shape:
            raise ValueError("values and durations must have the same shape")
        if (weights < 0).any():
            raise ValueError("durations must be >= 0")
    total = weights.sum()
    if total <= 0:
        raise ValueError("MKT needs a positive total duration")
    return float(mkt_from_sums((weights * arrhenius_weight(values, dh_r)).sum(), total, dh_r))
