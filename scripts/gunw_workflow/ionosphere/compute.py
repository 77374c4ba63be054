"""The ionospheric phase from the lower and upper sub-band unwrapped phase (split spectrum, Liang et al. 2019).

Why ISCE's formula and adjustment: the two bands' relative unwrapping error is a whole number of cycles per pixel;
it is removed against a weighted quadratic surface of their difference (coherence > 0.85), then
iono = f_l f_u (phi_l f_u - phi_u f_l) / (f0 (f_u^2 - f_l^2)). What differs from ISCE's rawion: it runs on the
bridged, component-0-masked and water-masked phase, and an all-empty input gives a zero ionosphere instead of a
crash (the reference's guard).
"""

from __future__ import annotations

import numpy as np

from gunw_workflow.ionosphere.surface import coherence_weight, fit_surface

SPEED_OF_LIGHT = 299792458.0
SPLIT_BANDWIDTH_HZ = 40.0e6  # ISCE's rgBandwidthForSplit; the sub-bands sit at f0 -+ bandwidth/3
ADJUST_COHERENCE = 0.85


def subband_frequencies(wavelength: float) -> tuple[float, float]:
    f0 = SPEED_OF_LIGHT / wavelength
    return f0 - SPLIT_BANDWIDTH_HZ / 3.0, f0 + SPLIT_BANDWIDTH_HZ / 3.0


def adjust_upper(lower: np.ndarray, upper: np.ndarray, cor: np.ndarray) -> np.ndarray:
    """Upper-band phase moved by whole cycles onto lower - surface(lower - upper)."""
    valid = lower != 0
    diff = lower - upper
    use = valid & (cor > ADJUST_COHERENCE)
    surface = fit_surface(diff, coherence_weight(cor), use, order=2)
    cycles = np.round((diff - surface) / (2.0 * np.pi))
    return np.where(valid, upper + cycles * 2.0 * np.pi, upper)


def ionosphere(lower: np.ndarray, upper: np.ndarray, cor: np.ndarray, wavelength: float) -> np.ndarray:
    """Dispersive (ionospheric) phase at the carrier, 0 where the lower band has no data."""
    lower = lower.astype(np.float64)
    upper = upper.astype(np.float64)
    valid = (lower != 0) & (upper != 0)
    if not np.any(valid):
        return np.zeros(lower.shape)
    lower = np.where(valid, lower, 0.0)
    upper = adjust_upper(lower, np.where(valid, upper, 0.0), cor)
    fl, fu = subband_frequencies(wavelength)
    f0 = 0.5 * (fl + fu)
    ion = fl * fu * (lower * fu - upper * fl) / f0 / (fu**2 - fl**2)
    return np.where(valid, ion, 0.0)
