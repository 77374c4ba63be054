"""Zero-Doppler SAR geometry on WGS84 from orbit state vectors (vectorised numpy).

Why: topo, the ROI crop, geocoding and LOS need radar<->ground mappings that agree with the
orbit files, like ISCE's rdr2geo/geo2rdr; a cheap but consistent version keeps products meaningful.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

A = 6378137.0
E2 = 0.0066943799901
B = A * np.sqrt(1 - E2)
C = 299792458.0


def llh_to_xyz(lat, lon, h):
    lat = np.radians(lat)
    lon = np.radians(lon)
    n = A / np.sqrt(1 - E2 * np.sin(lat) ** 2)
    x = (n + h) * np.cos(lat) * np.cos(lon)
    y = (n + h) * np.cos(lat) * np.sin(lon)
    z = (n * (1 - E2) + h) * np.sin(lat)
    return np.stack([x, y, z], axis=-1)


def xyz_to_llh(xyz):
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    lon = np.arctan2(y, x)
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1 - E2))
    for _ in range(6):
        n = A / np.sqrt(1 - E2 * np.sin(lat) ** 2)
        h = p / np.cos(lat) - n
        lat = np.arctan2(z, p * (1 - E2 * n / (n + h)))
    n = A / np.sqrt(1 - E2 * np.sin(lat) ** 2)
    h = p / np.cos(lat) - n
    return np.degrees(lat), np.degrees(lon), h


class Orbit:
    """Hermite interpolation of state vectors; times as seconds since ``epoch``."""

    def __init__(self, vectors: list, epoch: dt.datetime | None = None):
        from scipy.interpolate import CubicHermiteSpline

        vectors = sorted(vectors, key=lambda v: v[0])
        self.epoch = epoch or vectors[0][0]
        self.t = np.array([(v[0] - self.epoch).total_seconds() for v in vectors])
        self.pos = np.array([v[1] for v in vectors], dtype=float)
        self.vel = np.array([v[2] for v in vectors], dtype=float)
        self._spline = CubicHermiteSpline(self.t, self.pos, self.vel, axis=0)
        self._dspline = self._spline.derivative()

    def sec(self, when: dt.datetime) -> float:
        return (when - self.epoch).total_seconds()

    def pv(self, t):
        t = np.asarray(t, dtype=float)
        return self._spline(t), self._dspline(t)


def rdr2geo(orbit: Orbit, t, rng, height=0.0, right_looking: bool = True):
    """Ground point (lat, lon, h) seen at zero Doppler at times ``t`` (s) and slant ranges ``rng`` (m), at
    ellipsoidal height ``height``: the scaled-ellipsoid solution, its height error (O(h e^2)) corrected
    until below 1 mm."""
    t, rng, height = np.broadcast_arrays(
        np.asarray(t, float), np.asarray(rng, float), np.asarray(height, float)
    )
    goal = height.copy()
    for _ in range(5):
        lat, lon, h = _rdr2geo_scaled(orbit, t, rng, height, right_looking)
        if np.max(np.abs(h - goal), initial=0.0) < 1e-3:
            break
        height = height + (goal - h)
    return lat, lon, h


def _rdr2geo_scaled(orbit: Orbit, t, rng, height, right_looking: bool):
    """The point at ``rng`` on the ellipsoid with semi-axes (a + height, b + height)."""
    pos, vel = orbit.pv(t)
    vhat = vel / np.linalg.norm(vel, axis=-1, keepdims=True)
    down = -pos + np.sum(pos * vhat, axis=-1, keepdims=True) * vhat
    down /= np.linalg.norm(down, axis=-1, keepdims=True)
    side = np.cross(down, vhat) if right_looking else np.cross(vhat, down)
    ah, bh = A + height, B + height
    # Newton on the look angle theta so that the point lies on the (height-scaled) ellipsoid
    psat = np.linalg.norm(pos, axis=-1)
    theta = np.arccos(np.clip((psat**2 + rng**2 - (A + height) ** 2) / (2 * psat * rng), -1, 1))
    for _ in range(8):
        tgt = pos + rng[..., None] * (np.cos(theta)[..., None] * down + np.sin(theta)[..., None] * side)
        f = (tgt[..., 0] ** 2 + tgt[..., 1] ** 2) / ah**2 + tgt[..., 2] ** 2 / bh**2 - 1
        dt_ = rng[..., None] * (-np.sin(theta)[..., None] * down + np.cos(theta)[..., None] * side)
        df = (
            2 * (tgt[..., 0] * dt_[..., 0] + tgt[..., 1] * dt_[..., 1]) / ah**2
            + 2 * tgt[..., 2] * dt_[..., 2] / bh**2
        )
        theta = theta - f / np.where(df == 0, 1e-12, df)
    tgt = pos + rng[..., None] * (np.cos(theta)[..., None] * down + np.sin(theta)[..., None] * side)
    return xyz_to_llh(tgt)


def geo2rdr(orbit: Orbit, lat, lon, h, t_guess: float):
    """Zero-Doppler time (s since epoch) and slant range of ground points."""
    xyz = llh_to_xyz(lat, lon, h)
    t = np.full(xyz.shape[:-1], float(t_guess))
    for _ in range(12):
        pos, vel = orbit.pv(t)
        d = xyz - pos
        f = np.sum(d * vel, axis=-1)
        # derivative of f wrt t ~ -|v|^2 (acceleration term negligible)
        fp = -np.sum(vel * vel, axis=-1)
        t = t - f / fp
    pos, _ = orbit.pv(t)
    return t, np.linalg.norm(xyz - pos, axis=-1)


def los_angles(orbit: Orbit, t, lat, lon, h):
    """ISCE los.rdr bands: incidence (deg from ellipsoid normal) and azimuth of target->satellite
    (deg from North, counter-clockwise)."""
    pos, _ = orbit.pv(t)
    xyz = llh_to_xyz(lat, lon, h)
    los = pos - xyz
    los /= np.linalg.norm(los, axis=-1, keepdims=True)
    la, lo = np.radians(lat), np.radians(lon)
    east = np.stack([-np.sin(lo), np.cos(lo), np.zeros_like(lo)], axis=-1)
    north = np.stack([-np.sin(la) * np.cos(lo), -np.sin(la) * np.sin(lo), np.cos(la)], axis=-1)
    up = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
    e, n, u = (np.sum(los * v, axis=-1) for v in (east, north, up))
    inc = np.degrees(np.arccos(np.clip(u, -1, 1)))
    az = np.degrees(np.arctan2(-e, n))
    return inc, az


def burst_bbox(
    orbit: Orbit, t_start: float, t_stop: float, r_near: float, r_far: float, heights=(-500, 9000)
):
    """ISCE BurstSLC.getBbox: corners at two heights -> [S, N, W, E]."""
    ts, rs, hs = np.meshgrid([t_start, t_stop], [r_near, r_far], list(heights), indexing="ij")
    lat, lon, _ = rdr2geo(orbit, ts.ravel(), rs.ravel(), hs.ravel())
    return [float(lat.min()), float(lat.max()), float(lon.min()), float(lon.max())]
