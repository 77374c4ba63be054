"""The reference's modified adaptive Gaussian filter of the raw ionosphere.

Like ISCE's filt_gaussian: a weighted quadratic surface (coherence > 0.85) is removed, the residual is filtered
with Gaussian windows between the minimum and maximum size, choosing per pixel the window whose output standard
deviation is closest to the mean one, weights coherence^14; then smoothed with the minimum window and the surface
restored. What the reference changes (and this does): with a water mask, pixels below coherence 0.8 and outside
mean +- 1 std are dropped first; the statistics (outlier mean/std, the standard deviations, the fill of empty
pixels) are taken over valid pixels only, because ISCE's zeros pulled them towards 0; empty pixels get the valid
mean before the final smoothing, which removes ISCE's edge artefacts (docs/ionosphere.md, "Filter").
"""

from __future__ import annotations

import numpy as np

from gunw_workflow.ionosphere.surface import coherence_weight, fit_surface

FIT_COHERENCE = 0.85
N_WINDOWS = 100


def gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    if size % 2 != 1:
        raise ValueError("Gaussian window size must be odd")
    x = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-(x**2) / (2.0 * sigma**2))
    k = np.outer(g, g)
    return k / k.sum()


def _odd(v: float) -> int:
    n = int(np.around(v))
    return n + 1 if n % 2 == 0 else n


def _conv(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    from scipy import signal  # here, not at the top: scipy.signal costs ~2 s of start-up for every ion job

    return signal.fftconvolve(a, k, mode="same")


def adaptive_gaussian(ion: np.ndarray, wgt: np.ndarray, size_max: int, size_min: int) -> np.ndarray:
    """Adaptive-window weighted Gaussian filter with masked statistics (0 = no data in ``ion``)."""
    flag = (ion != 0) & (wgt != 0)
    if not np.any(flag):
        return np.zeros(ion.shape)
    ion = np.where(flag, ion, 0.0)
    wgt = np.where(flag, wgt, 0.0)
    sigma_max = size_max / 2.0
    sizes = sorted({_odd(s) for s in np.linspace(size_min, size_max, N_WINDOWS)})
    flt = np.empty((len(sizes),) + ion.shape)
    std = np.empty_like(flt)
    for i, size in enumerate(sizes):
        g = gaussian_kernel(size, sigma_max * size / size_max)
        scale = _conv(wgt, g)
        denom = scale + (scale == 0)
        flt[i] = _conv(ion * wgt, g) / denom
        var = _conv(wgt, g**2) / denom**2
        var[~flag] = 0.0
        std[i] = np.sqrt(np.clip(var, 0.0, None))
    std_mean = np.mean(std[std != 0])
    std[std == 0] = np.abs(std - std_mean).max() + std_mean + 1.0
    pick = np.argmin(np.abs(std - std_mean), axis=0)
    out = np.take_along_axis(flt, pick[None], axis=0)[0]
    out[~flag] = out[flag].mean()
    g = gaussian_kernel(_odd(size_min), _odd(size_min) / 2.0)
    scale = _conv((out != 0).astype(float), g)
    return _conv(out, g) / (scale + (scale == 0))


def drop_outliers(ion: np.ndarray, cor: np.ndarray, coh_threshold: float, sigma_rule: float) -> np.ndarray:
    """Zero low-coherence pixels, then values outside mean +- sigma_rule * std of the valid (non-zero) pixels."""
    out = ion.copy()
    if coh_threshold > 0:
        out[cor < coh_threshold] = 0.0
    if sigma_rule > 0:
        valid = out != 0
        if np.any(valid):
            mean, std = out[valid].mean(), out[valid].std()
            out[valid & (np.abs(out - mean) > sigma_rule * std)] = 0.0
    return out


def filter_ionosphere(
    ion: np.ndarray,
    cor: np.ndarray,
    size_max: int,
    size_min: int,
    fit: bool = True,
    coh_threshold: float = 0.0,
    sigma_rule: float = 0.0,
) -> np.ndarray:
    """The filtered ionosphere (0 where nothing could be estimated)."""
    cor = np.where((cor < 0) | (cor > 1), 0.0, cor.astype(np.float64))
    ion = ion.astype(np.float64)
    valid = ion != 0
    surface = (
        fit_surface(ion, coherence_weight(cor), valid & (cor > FIT_COHERENCE), order=2)
        if fit
        else np.zeros(ion.shape)
    )
    residual = np.where(valid, ion - surface, 0.0)
    residual = drop_outliers(residual, cor, coh_threshold, sigma_rule)
    filtered = adaptive_gaussian(residual, cor**14, size_max, size_min)
    return filtered + surface * (filtered != 0)
