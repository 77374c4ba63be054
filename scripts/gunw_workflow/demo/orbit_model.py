"""The demo's orbit model: a circular Keplerian orbit with Earth rotation, solved to see the scene centre.

Not a state-vector container (that is ``isce_io.orbit.Orbit``): it *generates* the state vectors written to
the EOF files and the annotations, so ECEF positions and velocities are exactly consistent.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from gunw_workflow.isce_io import orbit as og

ORBIT_RADIUS = 7071.0e3
INCLINATION_DEG = 98.18  # sun-synchronous for that radius
EOF_STEP_S = 10


@dataclass
class CircularOrbit:
    """Circular Keplerian orbit in an inertial frame aligned with ECEF at ``epoch``; ECEF output rotates."""

    epoch: dt.datetime
    node: float  # rad, inertial longitude of the ascending node (= ECEF longitude at epoch)
    u0: float  # rad, argument of latitude at epoch
    a: float = ORBIT_RADIUS
    inc: float = math.radians(INCLINATION_DEG)
    # a displacement of the whole orbit (m) in the satellite's own frame: along its radius and its direction of
    # motion (both rotate with it) and along the orbit normal (fixed in the inertial frame). Positions and
    # velocities stay consistent (the derivative of r-hat is n t-hat, that of t-hat is -n r-hat).
    radial_offset: float = 0.0
    along_offset: float = 0.0
    normal_offset: float = 0.0

    @property
    def n(self) -> float:
        return math.sqrt(og.GM_EARTH / self.a**3)

    def state(self, tau) -> tuple[np.ndarray, np.ndarray]:
        """ECEF position and velocity at ``tau`` seconds from the epoch."""
        tau = np.atleast_1d(np.asarray(tau, float))
        u = self.u0 + self.n * tau
        co, so, ci, si = math.cos(self.node), math.sin(self.node), math.cos(self.inc), math.sin(self.inc)
        cu, su = np.cos(u), np.sin(u)
        r_hat = np.stack([cu * co - su * ci * so, cu * so + su * ci * co, su * si], -1)
        t_hat = np.stack([-su * co - cu * ci * so, -su * so + cu * ci * co, cu * si], -1)
        normal = np.array([si * so, -si * co, ci])
        ra = self.a + self.radial_offset
        r = ra * r_hat + self.along_offset * t_hat + self.normal_offset * normal
        v = self.n * (ra * t_hat - self.along_offset * r_hat)
        th = og.OMEGA_EARTH * tau
        ct, st = np.cos(th), np.sin(th)
        x = ct * r[:, 0] + st * r[:, 1]
        y = -st * r[:, 0] + ct * r[:, 1]
        vx = ct * v[:, 0] + st * v[:, 1] + og.OMEGA_EARTH * y
        vy = -st * v[:, 0] + ct * v[:, 1] - og.OMEGA_EARTH * x
        return np.stack([x, y, r[:, 2]], -1), np.stack([vx, vy, v[:, 2]], -1)

    def anx_time(self) -> dt.datetime:
        """Time of the last ascending-node crossing before (or at) the epoch."""
        return self.epoch - dt.timedelta(seconds=(self.u0 % (2 * math.pi)) / self.n)

    def orbits_since_anx(self, tau) -> np.ndarray:
        return np.floor(((self.u0 % (2 * math.pi)) + self.n * np.asarray(tau, float)) / (2 * math.pi)).astype(
            int
        )


def solve_orbit(
    target_ecef: np.ndarray, slant_range: float, epoch: dt.datetime, ascending: bool
) -> CircularOrbit:
    """Node and phase of the circular orbit that sees ``target`` right-looking at zero Doppler at ``epoch``
    and ``slant_range`` (2-D Newton, numerical Jacobian, from a spherical-Earth first guess)."""
    inc = math.radians(INCLINATION_DEG)
    lat_t, lon_t, _ = og.ecef_to_geodetic(target_ecef)
    rt = float(np.linalg.norm(target_ecef))
    gamma = math.acos((ORBIT_RADIUS**2 + rt**2 - slant_range**2) / (2 * ORBIT_RADIUS * rt))
    phi = math.radians(float(lat_t))
    psi = math.asin(max(-1.0, min(1.0, math.cos(inc) / math.cos(phi))))  # ground-track azimuth (inertial)
    if not ascending:
        psi = math.pi - psi
    bearing = psi - math.pi / 2  # right-looking: the satellite is on the left of the target
    lat_s = math.asin(math.sin(phi) * math.cos(gamma) + math.cos(phi) * math.sin(gamma) * math.cos(bearing))
    lon_s = math.radians(float(lon_t)) + math.atan2(
        math.sin(bearing) * math.sin(gamma) * math.cos(phi), math.cos(gamma) - math.sin(phi) * math.sin(lat_s)
    )
    u = math.asin(max(-1.0, min(1.0, math.sin(lat_s) / math.sin(inc))))
    if not ascending:
        u = math.pi - u
    node = lon_s - math.atan2(math.cos(inc) * math.sin(u), math.cos(u))
    x = np.array([node, u])

    def resid(p):
        o = CircularOrbit(epoch, p[0], p[1])
        s, v = o.state(0.0)
        d = target_ecef - s[0]
        return np.array([d @ v[0] / np.linalg.norm(v[0]), np.linalg.norm(d) - slant_range])

    for _ in range(20):
        f = resid(x)
        if np.all(np.abs(f) < 1e-6):
            break
        jac = np.empty((2, 2))
        for k in range(2):
            e = np.zeros(2)
            e[k] = 1e-7
            jac[:, k] = (resid(x + e) - resid(x - e)) / 2e-7
        x = x - np.linalg.solve(jac, f)
    else:
        raise RuntimeError("orbit solve did not converge")
    orb = CircularOrbit(epoch, float(x[0]), float(x[1]))
    s, v = orb.state(0.0)
    look = target_ecef - s[0]
    down = -s[0] / np.linalg.norm(s[0])
    if look @ np.cross(down, v[0]) <= 0 or (v[0][2] > 0) != ascending:
        raise RuntimeError("orbit solve found the wrong look side or pass direction")
    return orb


def sample_orbit(model: CircularOrbit, t0: dt.datetime, t1: dt.datetime, shift_s: float = 0.0):
    """State vectors every 10 s at whole seconds covering [t0, t1]; ``shift_s`` = repeat-pass time offset."""
    start = t0.replace(microsecond=0)
    stop = t1.replace(microsecond=0) + dt.timedelta(seconds=1)
    n = int(math.ceil((stop - start).total_seconds() / EOF_STEP_S)) + 1
    times = [start + dt.timedelta(seconds=EOF_STEP_S * k) for k in range(n)]
    tau = np.array([(t - model.epoch).total_seconds() - shift_s for t in times])
    pos, vel = model.state(tau)
    return times, tau, pos, vel
