"""Weighted polynomial surfaces and block multilooking shared by the ionosphere stages."""

from __future__ import annotations

import numpy as np


def _terms(x: np.ndarray, y: np.ndarray, order: int) -> np.ndarray:
    """Columns x^i y^j with i + j <= order (constant first)."""
    cols = [x**i * y ** (n - i) for n in range(order + 1) for i in range(n, -1, -1)]
    return np.stack(cols, axis=-1)


def coherence_weight(cor: np.ndarray) -> np.ndarray:
    """ISCE's fitting weight from coherence: c^2 / (1.009 - c^2) (large for coherent pixels, finite at 1)."""
    c2 = np.clip(cor.astype(np.float64), 0.0, 1.0) ** 2
    return c2 / (1.009 - c2)


def fit_surface(values: np.ndarray, weight: np.ndarray, use: np.ndarray, order: int = 2) -> np.ndarray:
    """Weighted least-squares polynomial of ``order`` in (sample, line) fitted on ``use``, evaluated everywhere.

    Fewer usable pixels than coefficients gives a zero surface (nothing to remove)."""
    length, width = values.shape
    yy, xx = np.mgrid[0:length, 0:width].astype(np.float64)
    g_all = _terms(xx, yy, order)
    n_coef = g_all.shape[-1]
    if np.count_nonzero(use) < n_coef:
        return np.zeros(values.shape)
    g = g_all[use]
    w = np.sqrt(weight[use].astype(np.float64))
    coef, *_ = np.linalg.lstsq(g * w[:, None], values[use].astype(np.float64) * w, rcond=None)
    return g_all @ coef


def multilook_mean(data: np.ndarray, alks: int, rlks: int) -> np.ndarray:
    """Block sum / block size over whole blocks (ISCE's multilook: trailing partial blocks dropped)."""
    length, width = (data.shape[0] // alks) * alks, (data.shape[1] // rlks) * rlks
    d = data[:length, :width].astype(np.float64)
    return d.reshape(length // alks, alks, width // rlks, rlks).mean(axis=(1, 3))
