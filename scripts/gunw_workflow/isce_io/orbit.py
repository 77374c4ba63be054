"""Vectorised Sentinel-1 orbit geometry: WGS84, state-vector interpolation, zero-Doppler solves.

Shared by the synthetic-scene generator (``gunw_workflow.demo``), the ISCE product readers (``rasters``) and the
product packaging (geometry cubes,
solid-earth-tide nodes), so everything works on arrays of many targets at once and needs only numpy.

Conventions
-----------
* Times are float seconds from an ``Orbit.epoch`` (a naive UTC ``datetime``); ``Orbit.seconds`` /
  ``Orbit.datetime_at`` convert.
* Positions/velocities are ECEF (Earth-fixed, metres, m/s), as in EOF files and ISCE products.
* Zero Doppler is taken in the Earth-fixed frame, ``(target - sat) . v_sat = 0`` (ISCE's geo2rdr convention
  for zero-Doppler SLCs).
* ``los_azimuth_deg`` follows ISCE's ``los.rdr`` band 2: azimuth of the target->satellite vector measured
  from North, counter-clockwise (a right-looking northbound pass gives about +90 deg... i.e. pointing West).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gunw_workflow.isce_io.headers import properties
from gunw_workflow.isce_io.times import format_time, parse_time

WGS84_A = 6378137.0
WGS84_F = 1.0 / 298.257223563
WGS84_B = WGS84_A * (1.0 - WGS84_F)
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
WGS84_EP2 = WGS84_E2 / (1.0 - WGS84_E2)
OMEGA_EARTH = 7.2921150e-5  # rad/s, IERS mean angular velocity
GM_EARTH = 3.986004418e14  # m^3/s^2
SPEED_OF_LIGHT = 299792458.0


# --------------------------------------------------------------------------------------------------
# WGS84
# --------------------------------------------------------------------------------------------------
def geodetic_to_ecef(lat_deg, lon_deg, h=0.0) -> np.ndarray:
    """Geodetic latitude/longitude (deg) and ellipsoidal height (m) -> ECEF (..., 3)."""
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    h = np.asarray(h, dtype=float)
    sl, cl = np.sin(lat), np.cos(lat)
    n = WGS84_A / np.sqrt(1.0 - WGS84_E2 * sl * sl)
    x = (n + h) * cl * np.cos(lon)
    y = (n + h) * cl * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + h) * sl
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def ecef_to_geodetic(xyz) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF (..., 3) -> (lat deg, lon deg, h m). Bowring start + 3 fixed-point iterations (sub-mm)."""
    xyz = np.asarray(xyz, dtype=float)
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    p = np.hypot(x, y)
    lon = np.arctan2(y, x)
    theta = np.arctan2(z * WGS84_A, p * WGS84_B)
    lat = np.arctan2(
        z + WGS84_EP2 * WGS84_B * np.sin(theta) ** 3,
        p - WGS84_E2 * WGS84_A * np.cos(theta) ** 3,
    )
    for _ in range(2):
        sl, cl = np.sin(lat), np.cos(lat)
        w = np.sqrt(1.0 - WGS84_E2 * sl * sl)
        n = WGS84_A / w
        h = p * cl + z * sl - WGS84_A * w  # projection on the normal: stable at all latitudes
        lat = np.arctan2(z, p * (1.0 - WGS84_E2 * n / (n + h)))
    sl, cl = np.sin(lat), np.cos(lat)
    h = p * cl + z * sl - WGS84_A * np.sqrt(1.0 - WGS84_E2 * sl * sl)
    return np.degrees(lat), np.degrees(lon), h


def ellipsoid_normal(lat_deg, lon_deg) -> np.ndarray:
    """Unit outward ellipsoid normal (ECEF) at geodetic lat/lon."""
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def enu_basis(lat_deg, lon_deg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """East, North, Up unit vectors (ECEF, shape (..., 3)) at geodetic lat/lon."""
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    east = np.stack([-so, co, np.zeros_like(so)], axis=-1)
    north = np.stack([-sl * co, -sl * so, cl], axis=-1)
    up = np.stack([cl * co, cl * so, sl], axis=-1)
    return east, north, up


# --------------------------------------------------------------------------------------------------
# orbit container + interpolation
# --------------------------------------------------------------------------------------------------
@dataclass
class Orbit:
    """State vectors: ``t`` (n,) seconds from ``epoch`` (ascending), ``pos``/``vel`` (n, 3) ECEF; ``source`` is
    the orbit file the vectors came from when known (ISCE records it as ``orbit_source``)."""

    epoch: dt.datetime
    t: np.ndarray
    pos: np.ndarray
    vel: np.ndarray
    source: str = ""

    def __post_init__(self):
        self.t = np.asarray(self.t, dtype=float)
        self.pos = np.asarray(self.pos, dtype=float).reshape(-1, 3)
        self.vel = np.asarray(self.vel, dtype=float).reshape(-1, 3)
        if not (len(self.t) == len(self.pos) == len(self.vel)):
            raise ValueError("t, pos, vel must have the same length")
        if len(self.t) < 2:
            raise ValueError("an orbit needs at least 2 state vectors")
        order = np.argsort(self.t, kind="stable")
        self.t, self.pos, self.vel = self.t[order], self.pos[order], self.vel[order]
        if np.any(np.diff(self.t) <= 0):
            raise ValueError("state-vector times must be unique")

    @classmethod
    def from_datetimes(cls, times, pos, vel, epoch: dt.datetime | None = None) -> Orbit:
        times = list(times)
        epoch = epoch or min(times)
        t = np.array([(x - epoch).total_seconds() for x in times])
        return cls(epoch, t, pos, vel)

    def seconds(self, when) -> float | np.ndarray:
        """datetime (or list of them, or strings) -> seconds from the epoch."""
        if isinstance(when, (str, dt.datetime)):
            when = parse_time(when) if isinstance(when, str) else when
            return (when - self.epoch).total_seconds()
        return np.array([self.seconds(w) for w in when])

    def datetime_at(self, t: float) -> dt.datetime:
        return self.epoch + dt.timedelta(seconds=float(t))

    @property
    def start(self) -> dt.datetime:
        return self.datetime_at(self.t[0])

    @property
    def stop(self) -> dt.datetime:
        return self.datetime_at(self.t[-1])

    def with_epoch(self, epoch: dt.datetime) -> Orbit:
        shift = (self.epoch - epoch).total_seconds()
        return Orbit(epoch, self.t + shift, self.pos.copy(), self.vel.copy(), self.source)

    def subset(self, t0: float, t1: float, margin_vectors: int = 0) -> Orbit:
        """State vectors inside [t0, t1] plus ``margin_vectors`` on each side."""
        i0 = max(int(np.searchsorted(self.t, t0, side="left")) - margin_vectors, 0)
        i1 = min(int(np.searchsorted(self.t, t1, side="right")) + margin_vectors, len(self.t))
        return Orbit(self.epoch, self.t[i0:i1], self.pos[i0:i1], self.vel[i0:i1], self.source)

    def interpolate(self, t, derivatives: int = 1):
        """Cubic-Hermite interpolation (positions + velocities of the bracketing vectors).

        Returns ``(pos, vel)`` (shape ``t.shape + (3,)``), and the acceleration as a third item when
        ``derivatives == 2``. Times outside the span are extrapolated from the end interval (check
        ``in_span`` if that matters). Error for 10-s Sentinel-1 vectors is well below 1 mm.
        """
        t = np.asarray(t, dtype=float)
        shape = t.shape
        tf = t.reshape(-1)
        i = np.clip(np.searchsorted(self.t, tf, side="right") - 1, 0, len(self.t) - 2)
        t0, t1 = self.t[i], self.t[i + 1]
        h = (t1 - t0)[:, None]
        s = ((tf - t0) / (t1 - t0))[:, None]
        p0, p1, v0, v1 = self.pos[i], self.pos[i + 1], self.vel[i] * h, self.vel[i + 1] * h
        s2, s3 = s * s, s * s * s
        pos = (2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + s) * v0 + (-2 * s3 + 3 * s2) * p1 + (s3 - s2) * v1
        dpos = (
            (6 * s2 - 6 * s) * p0 + (3 * s2 - 4 * s + 1) * v0 + (-6 * s2 + 6 * s) * p1 + (3 * s2 - 2 * s) * v1
        )
        vel = dpos / h
        out = [pos.reshape(shape + (3,)), vel.reshape(shape + (3,))]
        if derivatives >= 2:
            d2 = (12 * s - 6) * p0 + (6 * s - 4) * v0 + (-12 * s + 6) * p1 + (6 * s - 2) * v1
            out.append((d2 / (h * h)).reshape(shape + (3,)))
        return tuple(out)

    def in_span(self, t) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        return (t >= self.t[0]) & (t <= self.t[-1])


# --------------------------------------------------------------------------------------------------
# range-Doppler geometry
# --------------------------------------------------------------------------------------------------
def _initial_times(orbit: Orbit, targets: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Per target, the time of the closest state vector, refined by the Doppler sign change."""
    pos, vel = orbit.pos, orbit.vel
    pn = np.einsum("ij,ij->i", pos, pos)
    out = np.empty(len(targets))
    for a in range(0, len(targets), chunk):
        tg = targets[a : a + chunk]
        d2 = pn[None, :] - 2.0 * tg @ pos.T  # |T|^2 omitted: same for every vector
        k = np.argmin(d2, axis=1)
        # linear interpolation of the Doppler function between the nearest vector and its neighbour
        f_k = np.einsum("ij,ij->i", tg - pos[k], vel[k])
        k2 = np.clip(np.where(f_k > 0, k + 1, k - 1), 0, len(pos) - 1)
        f_k2 = np.einsum("ij,ij->i", tg - pos[k2], vel[k2])
        denom = f_k - f_k2
        frac = np.where(np.abs(denom) > 0, f_k / np.where(denom == 0, 1.0, denom), 0.0)
        out[a : a + chunk] = orbit.t[k] + frac * (orbit.t[k2] - orbit.t[k])
    return out


def zero_doppler(
    orbit: Orbit,
    targets_ecef,
    t_guess=None,
    max_iter: int = 10,
    tol: float = 1e-9,
    strict: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Zero-Doppler azimuth time (s from ``orbit.epoch``) and slant range (m) for all targets at once.

    Newton on f(t) = (T - P(t)) . V(t) with f'(t) = -|V|^2 + (T - P) . A, at most ``max_iter``
    iterations (converges in 3-4 from the state-vector initial guess). Unconverged solutions or
    solutions outside the orbit span raise ``RuntimeError`` when ``strict``; otherwise they are NaN.
    """
    tg = np.asarray(targets_ecef, dtype=float)
    shape = tg.shape[:-1]
    tg = tg.reshape(-1, 3)
    t = _initial_times(orbit, tg) if t_guess is None else np.broadcast_to(np.asarray(t_guess, float), shape)
    t = np.array(t, dtype=float).reshape(-1)
    step = np.full_like(t, np.inf)
    for _ in range(max_iter):
        p, v, a = orbit.interpolate(t, derivatives=2)
        d = tg - p
        f = np.einsum("ij,ij->i", d, v)
        fp = -np.einsum("ij,ij->i", v, v) + np.einsum("ij,ij->i", d, a)
        step = f / fp
        t = t - step
        if np.all(np.abs(step) < tol):
            break
    p, _ = orbit.interpolate(t)
    rng = np.linalg.norm(tg - p, axis=1)
    bad = ~(np.abs(step) < max(tol, 1e-6)) | ~orbit.in_span(t)
    if np.any(bad):
        if strict:
            raise RuntimeError(
                f"zero_doppler: {int(bad.sum())} of {len(t)} targets did not converge inside the orbit span"
            )
        t = np.where(bad, np.nan, t)
        rng = np.where(bad, np.nan, rng)
    return t.reshape(shape), rng.reshape(shape)


def rdr2geo(
    orbit: Orbit,
    t,
    slant_range,
    height=0.0,
    look_side: str = "right",
    n_iter: int = 8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse zero-Doppler geometry: (azimuth time, slant range, ellipsoidal height) -> (lat, lon, h).

    The target lies in the plane through the satellite perpendicular to its ECEF velocity, at the
    given range, on the ``look_side``; the look angle in that plane is iterated until the target's
    ellipsoidal height matches (local-sphere law of cosines, fixed iteration count, mm accuracy).
    ``height`` may be an array or a callable ``height(lat, lon)`` (e.g. a DEM function).
    """
    t = np.asarray(t, dtype=float)
    r = np.asarray(slant_range, dtype=float)
    t, r = np.broadcast_arrays(t, r)
    shape = t.shape
    p, v = orbit.interpolate(t.reshape(-1))
    r = r.reshape(-1)
    vhat = v / np.linalg.norm(v, axis=1)[:, None]
    sat_lat, sat_lon, _ = ecef_to_geodetic(p)
    down = -ellipsoid_normal(sat_lat, sat_lon)
    down = down - np.einsum("ij,ij->i", down, vhat)[:, None] * vhat
    down /= np.linalg.norm(down, axis=1)[:, None]
    right = np.cross(down, vhat)  # x forward, z down -> y = z x x points right
    side = 1.0 if look_side == "right" else -1.0
    ps = np.linalg.norm(p, axis=1)
    pa = np.einsum("ij,ij->i", p, down)
    pb = side * np.einsum("ij,ij->i", p, right)
    # first guess: sphere of the local geocentric radius of the ellipsoid under the satellite
    sl = np.sin(np.radians(sat_lat))
    rad = WGS84_A * np.sqrt(((1 - WGS84_E2) ** 2 * sl * sl + (1 - sl * sl)) / (1 - WGS84_E2 * sl * sl))
    h_goal = (
        np.zeros_like(r)
        if callable(height)
        else np.broadcast_to(np.asarray(height, float), shape).reshape(-1)
    )
    for _ in range(n_iter):
        # |p + r l|^2 = tr^2 with l = cos(b) down + side sin(b) right  ->  A cos b + B sin b = C
        tr = rad + h_goal
        c = (tr**2 - ps**2 - r**2) / (2.0 * r)
        beta = np.arctan2(pb, pa) - np.arccos(np.clip(c / np.hypot(pa, pb), -1.0, 1.0))
        x = p + r[:, None] * (np.cos(beta)[:, None] * down + side * np.sin(beta)[:, None] * right)
        lat, lon, h = ecef_to_geodetic(x)
        rad = np.linalg.norm(x, axis=1) - h  # |x| - h: the fixed point has h == h_goal
        if callable(height):
            h_goal = np.asarray(height(lat, lon), float).reshape(-1)
    return lat.reshape(shape), lon.reshape(shape), h.reshape(shape)


def incidence_angle_deg(targets_ecef, sat_ecef) -> np.ndarray:
    """Angle between the ellipsoid normal at the target and the target->satellite vector (deg)."""
    tg = np.asarray(targets_ecef, float)
    lat, lon, _ = ecef_to_geodetic(tg)
    los = np.asarray(sat_ecef, float) - tg
    los = los / np.linalg.norm(los, axis=-1, keepdims=True)
    return np.degrees(np.arccos(np.clip(np.sum(los * ellipsoid_normal(lat, lon), axis=-1), -1, 1)))


def look_angle_deg(targets_ecef, sat_ecef) -> np.ndarray:
    """Off-nadir angle at the satellite between the geodetic nadir and the satellite->target vector."""
    sat = np.asarray(sat_ecef, float)
    lat, lon, _ = ecef_to_geodetic(sat)
    los = np.asarray(targets_ecef, float) - sat
    los = los / np.linalg.norm(los, axis=-1, keepdims=True)
    return np.degrees(np.arccos(np.clip(-np.sum(los * ellipsoid_normal(lat, lon), axis=-1), -1, 1)))


def los_enu(targets_ecef, sat_ecef) -> np.ndarray:
    """Unit target->satellite vector in the local East/North/Up frame of the target (..., 3)."""
    tg = np.asarray(targets_ecef, float)
    lat, lon, _ = ecef_to_geodetic(tg)
    e, n, u = enu_basis(lat, lon)
    los = np.asarray(sat_ecef, float) - tg
    los = los / np.linalg.norm(los, axis=-1, keepdims=True)
    return np.stack([np.sum(los * e, -1), np.sum(los * n, -1), np.sum(los * u, -1)], axis=-1)


def los_azimuth_deg(targets_ecef, sat_ecef) -> np.ndarray:
    """Azimuth of the target->satellite LOS, from North counter-clockwise (ISCE ``los.rdr`` band 2)."""
    enu = los_enu(targets_ecef, sat_ecef)
    return np.degrees(np.arctan2(-enu[..., 0], enu[..., 1]))


def heading_deg(vel_ecef, lat_deg, lon_deg) -> np.ndarray:
    """Platform heading, clockwise from North (deg, -180..180], from the ECEF velocity."""
    e, n, _ = enu_basis(lat_deg, lon_deg)
    v = np.asarray(vel_ecef, float)
    return np.degrees(np.arctan2(np.sum(v * e, -1), np.sum(v * n, -1)))


# --------------------------------------------------------------------------------------------------
# readers
# --------------------------------------------------------------------------------------------------
def read_eof(path, t0: dt.datetime | None = None, t1: dt.datetime | None = None) -> Orbit:
    """Orbit from an ESA EOF file (``Data_Block/List_of_OSVs/OSV``, ``UTC=`` times), optionally cut to
    [t0, t1] (keeping the whole file when not given). The epoch is the first kept vector's time."""
    times, pos, vel = [], [], []
    for _, el in ET.iterparse(str(path), events=("end",)):
        if el.tag != "OSV":
            continue
        t = parse_time(el.findtext("UTC"))
        if (t0 is None or t >= t0) and (t1 is None or t <= t1):
            times.append(t)
            pos.append([float(el.findtext(k)) for k in ("X", "Y", "Z")])
            vel.append([float(el.findtext(k)) for k in ("VX", "VY", "VZ")])
        el.clear()
    if len(times) < 2:
        raise ValueError(f"{path}: fewer than 2 state vectors in the requested window")
    return Orbit.from_datetimes(times, np.array(pos), np.array(vel))


def read_eof_header(path) -> dict:
    """``File_Name``, validity window and file type from an EOF's Fixed_Header ({} entries when absent)."""
    out = {}
    for _, el in ET.iterparse(str(path), events=("end",)):
        tag = el.tag
        if tag in ("File_Name", "File_Type", "Mission"):
            out[tag] = (el.text or "").strip()
        elif tag in ("Validity_Start", "Validity_Stop"):
            out[tag] = parse_time(el.text)
        elif tag == "Fixed_Header":
            break
        elif tag == "OSV":
            break
    return out


def read_annotation_orbit(path_or_root) -> Orbit:
    """Orbit from a Sentinel-1 annotation's ``generalAnnotation/orbitList`` (not InSAR-grade)."""
    root = path_or_root if isinstance(path_or_root, ET.Element) else ET.parse(str(path_or_root)).getroot()
    times, pos, vel = [], [], []
    for o in root.findall("generalAnnotation/orbitList/orbit"):
        times.append(parse_time(o.findtext("time")))
        pos.append([float(o.findtext(f"position/{k}")) for k in "xyz"])
        vel.append([float(o.findtext(f"velocity/{k}")) for k in "xyz"])
    return Orbit.from_datetimes(times, np.array(pos), np.array(vel))


def _vec(text: str) -> list[float]:
    return [float(x) for x in text.strip().strip("[]").split(",")]


def read_isce_product_orbit(path_or_root) -> Orbit:
    """Orbit from an ISCE swath product XML (``reference/IW1.xml``, a path or its parsed root): the union of
    every burst's ``orbit/state_vectors/statevectorN`` (``time``, ``position``, ``velocity``), de-duplicated."""
    root = path_or_root if isinstance(path_or_root, ET.Element) else ET.parse(str(path_or_root)).getroot()
    found: dict[dt.datetime, tuple[list[float], list[float]]] = {}
    for comp in root.iter("component"):
        name = comp.get("name", "")
        if not name.startswith("statevector"):
            continue
        props = properties(comp)
        if not {"time", "position", "velocity"} <= props.keys():
            continue
        found[parse_time(props["time"])] = (_vec(props["position"]), _vec(props["velocity"]))
    if len(found) < 2:
        raise ValueError(f"{path_or_root}: no state vectors found")
    times = sorted(found)
    return Orbit.from_datetimes(
        times, np.array([found[t][0] for t in times]), np.array([found[t][1] for t in times])
    )


def read_orbit(path) -> Orbit:
    """Dispatch on content: EOF, ISCE product XML, or S1 annotation XML."""
    head = Path(path).read_bytes()[:4096].decode("utf-8", "replace")
    if "Earth_Explorer" in head or "List_of_OSVs" in head:
        return read_eof(path)
    if "<product>" in head or "<adsHeader>" in head:
        return read_annotation_orbit(path)
    return read_isce_product_orbit(path)


# --------------------------------------------------------------------------------------------------
# CLI: quick geometry queries
# --------------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Zero-Doppler geometry of ground points for an orbit (EOF, ISCE IW*.xml or annotation)."
    )
    ap.add_argument("orbit", help="EOF file, ISCE swath product XML or Sentinel-1 annotation XML")
    ap.add_argument("--point", nargs=3, type=float, action="append", metavar=("LAT", "LON", "H"), default=[])
    args = ap.parse_args(argv)
    orbit = read_orbit(args.orbit)
    out = {
        "epoch": orbit.start.isoformat(),
        "vectors": len(orbit.t),
        "span_s": float(orbit.t[-1] - orbit.t[0]),
    }
    pts = []
    for lat, lon, h in args.point:
        tg = geodetic_to_ecef(lat, lon, h)[None]
        t, r = zero_doppler(orbit, tg)
        p, v = orbit.interpolate(t)
        pts.append(
            {
                "lat": lat,
                "lon": lon,
                "h": h,
                "azimuth_time": format_time(orbit.datetime_at(t[0])),
                "slant_range_m": float(r[0]),
                "incidence_deg": float(incidence_angle_deg(tg, p)[0]),
                "look_deg": float(look_angle_deg(tg, p)[0]),
                "los_azimuth_deg": float(los_azimuth_deg(tg, p)[0]),
            }
        )
    out["points"] = pts
    json.dump(out, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
