"""The synthetic pair's scene model: radar constants, timing of both acquisitions, range layout over the swaths,
the orbit through the scene centre and the per-swath geometry that every writer (annotation, manifest, EOF,
DEM, truth) reads, so that all of them describe one consistent acquisition."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gunw_workflow import s1_ids
from gunw_workflow.demo.orbit_model import INCLINATION_DEG, CircularOrbit, sample_orbit, solve_orbit
from gunw_workflow.isce_io import orbit as og

# Radar constants of a real IW1 annotation (they are the same in the recorded run that worked with ISCE2 2.6.5)
AZIMUTH_TIME_INTERVAL = 2.055556299999998e-03
PRF = 1717.128973878037
RANGE_SAMPLING_RATE = 64345238.12571428
RADAR_FREQUENCY = 5405000454.33435
AZIMUTH_STEERING_RATE = 1.590368784  # deg/s
FM_RATE_POLYNOMIAL = (-2.328e03, 4.5e05, -7.9e07)
RANGE_BANDWIDTH = 56.5e6
AZIMUTH_BANDWIDTH = 327.0
IPF_VERSION = "003.31"
NEAR_RANGE_IW1 = 797911.3268793474  # m, as recorded
RANGE_PIXEL = og.SPEED_OF_LIGHT / (2.0 * RANGE_SAMPLING_RATE)
INVALID_LINES = 5  # -1 entries at each burst end
INVALID_SAMPLES = 10  # valid samples 10 .. W-11
SWATH_OVERLAP_SAMPLES = 60
ANNOTATION_ORBIT_MARGIN_S = 70  # annotation orbit lists cover the data +-70 s, like real ones
NSSDC_IDS = {"S1A": "2014-016A", "S1B": "2016-025A", "S1C": "2024-235A", "S1D": "2025-000A"}


@dataclass
class Params:
    """The generator's inputs (the options of `gunw demo-pair`)."""

    reference_id: str
    secondary_id: str
    centre_lat: float = 35.0
    centre_lon: float = -118.0
    ascending: bool = True
    swaths: tuple = (1,)
    bursts: int = 3
    lines_per_burst: int = 530
    samples_per_burst: int = 540
    overlap_lines: int = 90
    seed: int = 1
    speckle_amplitude: float = 60.0
    noise_amplitude: float = 15.0
    ramp_cycles: float = 2.5
    bump_rad: float = 4.0
    relief_m: float = 100.0
    relief_sigma_m: float = 3000.0
    range_delay: bool = True
    orbit_margin_s: float = 600.0
    dem_margin_deg: float = 0.03
    dem_posting_arcsec: float = 1.0
    dem_file_name: str = "dem.wgs84"
    secondary_orbit_offset_m: float = 0.0  # 0 = the secondary repeats the reference trajectory exactly


@dataclass
class Scene:
    scene_id: str
    sid: s1_ids.SceneId
    t_first: dt.datetime  # first line of the first burst
    shift_s: float  # seconds after the reference (0 for the reference)
    burst_starts: list[dt.datetime] = field(default_factory=list)


@dataclass
class SwathGeometry:
    """Mid-scene geometry of one swath: 11 range samples across it at the centre time."""

    incidence_mid: float
    antenna_tau: np.ndarray
    antenna_look: np.ndarray
    antenna_inc: np.ndarray


def round_us(t: dt.datetime) -> dt.datetime:
    return t.replace(microsecond=0) + dt.timedelta(microseconds=round(t.microsecond))


def relief(lat0: float, lon0: float, relief_m: float, sigma_m: float) -> Callable:
    """Gaussian hill (ellipsoidal heights, m) centred on the scene centre."""
    m_per_deg_lat = 111_320.0
    m_per_deg_lon = 111_320.0 * math.cos(math.radians(lat0))

    def height(lat, lon):
        dn = (np.asarray(lat) - lat0) * m_per_deg_lat
        de = (np.asarray(lon) - lon0) * m_per_deg_lon
        return relief_m * np.exp(-0.5 * (dn * dn + de * de) / sigma_m**2)

    return height


@dataclass
class SceneModel:
    """Everything derived from the parameters before any file is written (see ``build``)."""

    p: Params
    swaths: tuple
    pol: str
    dual: bool
    scenes: list[Scene]
    near_ranges: dict[int, float]
    height: Callable
    centre_h: float
    target: np.ndarray
    model: CircularOrbit
    sec_model: CircularOrbit = None  # the secondary's orbit: ``model`` displaced by the baseline
    geo: og.Orbit = None  # reference orbit, 1-s exact vectors around the data, epoch = reference t_first
    swath_geometry: dict[int, SwathGeometry] = field(default_factory=dict)
    platform_heading: float = 0.0
    azimuth_pixel_spacing: float = 0.0

    # sizes -------------------------------------------------------------------------------------------
    @property
    def L(self) -> int:  # lines per burst (L, W, B as in the annotation formulas)
        return int(self.p.lines_per_burst)

    @property
    def W(self) -> int:
        return int(self.p.samples_per_burst)

    @property
    def B(self) -> int:
        return int(self.p.bursts)

    @property
    def step(self) -> int:
        """Lines between consecutive burst starts."""
        return self.L - int(self.p.overlap_lines)

    @property
    def total_lines(self) -> int:
        return self.L + (self.B - 1) * self.step

    @property
    def duration(self) -> float:
        return self.total_lines * AZIMUTH_TIME_INTERVAL

    # range and time ----------------------------------------------------------------------------------
    @property
    def r0(self) -> float:
        return self.near_ranges[self.swaths[0]]

    @property
    def r_span(self) -> float:
        return self.near_ranges[self.swaths[-1]] + self.W * RANGE_PIXEL - self.r0

    @property
    def r_mid(self) -> float:
        return self.r0 + self.r_span / 2

    @property
    def t_mid_ref(self) -> dt.datetime:
        return self.scenes[0].t_first + dt.timedelta(seconds=self.duration / 2)

    @property
    def valid_t(self) -> tuple[float, float]:
        """Valid data window in azimuth, s after the first line (every burst loses INVALID_LINES each end)."""
        dtl = AZIMUTH_TIME_INTERVAL
        return INVALID_LINES * dtl, (self.total_lines - 1 - INVALID_LINES) * dtl

    @property
    def r_valid(self) -> tuple[float, float]:
        """Valid data window in slant range over all swaths (m)."""
        far = self.near_ranges[self.swaths[-1]] + (self.W - 1 - INVALID_SAMPLES) * RANGE_PIXEL
        return self.r0 + INVALID_SAMPLES * RANGE_PIXEL, far

    @property
    def anx_time(self) -> dt.datetime:
        return round_us(self.model.anx_time())

    def image_number(self, swath: int) -> int:
        return swath + (3 if self.dual else 0)

    def acq_period(self, sc: Scene) -> tuple[dt.datetime, dt.datetime]:
        return sc.t_first, sc.t_first + dt.timedelta(seconds=(self.total_lines - 1) * AZIMUTH_TIME_INTERVAL)

    # orbits ------------------------------------------------------------------------------------------
    def model_of(self, sc: Scene) -> CircularOrbit:
        """The orbit model of scene ``sc`` (the secondary's is displaced by the baseline)."""
        return self.sec_model if sc is self.scenes[1] and self.sec_model is not None else self.model

    def orbit_for(self, sc: Scene, pad_s: float, step_s: float = 1.0) -> og.Orbit:
        """Exact model state vectors every ``step_s`` around the data of ``sc``, epoch = its first line."""
        t0 = sc.t_first - dt.timedelta(seconds=pad_s)
        n = int((self.duration + 2 * pad_s) / step_s) + 2
        times = [t0 + dt.timedelta(seconds=k * step_s) for k in range(n)]
        tau = np.array([(t - self.model.epoch).total_seconds() - sc.shift_s for t in times])
        p, v = self.model_of(sc).state(tau)
        return og.Orbit.from_datetimes(times, p, v, epoch=sc.t_first)

    def eof_vectors(self, sc: Scene):
        """10-s state vectors of the EOF file: (times, tau, pos, vel) over the data +- orbit_margin_s."""
        t0 = sc.t_first - dt.timedelta(seconds=self.p.orbit_margin_s)
        t1 = sc.t_first + dt.timedelta(seconds=self.duration + self.p.orbit_margin_s)
        return sample_orbit(self.model_of(sc), t0, t1, sc.shift_s)

    def annotation_vectors(self, sc: Scene):
        """The EOF vectors within +-70 s of the data: (times, pos, vel) of the annotation's orbitList."""
        times, _, pos, vel = self.eof_vectors(sc)
        margin = dt.timedelta(seconds=ANNOTATION_ORBIT_MARGIN_S)
        keep = [k for k, t in enumerate(times) if sc.t_first - margin <= t]
        last = sc.t_first + dt.timedelta(seconds=self.duration + ANNOTATION_ORBIT_MARGIN_S)
        keep = [k for k in keep if times[k] <= last]
        return [times[k] for k in keep], pos[keep], vel[keep]

    # phase -------------------------------------------------------------------------------------------
    def phi(self, t_rel, r):
        """Injected phase at (azimuth time s after the reference first line, slant range m)."""
        sigma_t, sigma_r, t_mid_rel = self.duration / 6, self.r_span / 6, self.duration / 2
        return 2 * np.pi * self.p.ramp_cycles * (r - self.r0) / self.r_span + self.p.bump_rad * np.exp(
            -(((t_rel - t_mid_rel) / sigma_t) ** 2 + ((r - self.r_mid) / sigma_r) ** 2)
        )

    # geolocation grid ------------------------------------------------------------------------------------
    def geogrid(self, sc: Scene, n: int) -> dict:
        """Geolocation grid of swath ``n``: burst-start lines (and the last line) x 21 pixels, on the DEM."""
        L, W, B = self.L, self.W, self.B
        lines = np.array([k * L for k in range(B)] + [B * L - 1])
        pixels = np.unique(np.round(np.linspace(0, W - 1, 21)).astype(int))
        ll, pp = np.meshgrid(lines, pixels, indexing="ij")
        burst = np.minimum(ll // L, B - 1)
        rel = np.array([(sc.burst_starts[b] - sc.t_first).total_seconds() for b in burst.ravel()])
        rel = rel + (ll.ravel() - burst.ravel() * L) * AZIMUTH_TIME_INTERVAL
        rr = self.near_ranges[n] + pp.ravel() * RANGE_PIXEL
        o = self.orbit_for(sc, 30.0)
        la, lo, hh = og.rdr2geo(o, rel, rr, self.height)
        tg = og.geodetic_to_ecef(la, lo, hh)
        ps, _ = o.interpolate(rel)
        return {
            "line": ll.ravel(),
            "pixel": pp.ravel(),
            "time": [sc.t_first + dt.timedelta(seconds=float(x)) for x in rel],
            "tau": 2 * rr / og.SPEED_OF_LIGHT,
            "lat": la,
            "lon": lo,
            "h": hh,
            "inc": og.incidence_angle_deg(tg, ps),
            "look": og.look_angle_deg(tg, ps),
        }


def _check(p: Params) -> tuple[tuple, s1_ids.SceneId, s1_ids.SceneId]:
    """Sorted swaths and the parsed ids; ValueError for inconsistent sizes or a mismatched pair."""
    swaths = tuple(sorted(int(s) for s in p.swaths))
    if not swaths or any(s not in (1, 2, 3) for s in swaths):
        raise ValueError("swaths must be a subset of 1, 2, 3")
    L, W, B, n_ovl = int(p.lines_per_burst), int(p.samples_per_burst), int(p.bursts), int(p.overlap_lines)
    if not (0 <= n_ovl < L - 2 * INVALID_LINES) or B < 1 or W <= 2 * INVALID_SAMPLES + 1:
        raise ValueError("inconsistent burst sizes")
    ref, sec = s1_ids.parse(p.reference_id), s1_ids.parse(p.secondary_id)
    if ref.mission != sec.mission:
        raise ValueError("reference and secondary must be from the same mission (same orbit file prefix)")
    if ref.polarisation[-1] != sec.polarisation[-1]:
        raise ValueError("reference and secondary polarisations differ")
    return swaths, ref, sec


def _scenes(p: Params, ref: s1_ids.SceneId, sec: s1_ids.SceneId, lines: int, step: int) -> list[Scene]:
    """Both acquisitions, data centred in [id start, id stop + 1 s) (ids truncate times to the second)."""
    dtl = AZIMUTH_TIME_INTERVAL
    duration = lines * dtl
    scenes = []
    for scene_id, s in ((p.reference_id, ref), (p.secondary_id, sec)):
        centre = s.start + (s.stop + dt.timedelta(seconds=1) - s.start) / 2
        t_first = round_us(centre - dt.timedelta(seconds=duration / 2))
        if t_first < s.start or t_first + dt.timedelta(seconds=duration) > s.stop + dt.timedelta(seconds=1):
            raise ValueError(
                f"{scene_id}: {duration:.2f} s of data do not fit its sensing window; widen start/stop"
            )
        scenes.append(Scene(scene_id, s, t_first, 0.0))
    scenes[1].shift_s = (scenes[1].t_first - scenes[0].t_first).total_seconds()
    for sc in scenes:
        sc.burst_starts = [
            sc.t_first + dt.timedelta(seconds=round(k * step * dtl, 6)) for k in range(int(p.bursts))
        ]
    return scenes


def _platform(m: SceneModel) -> None:
    """Heading and ground-projected azimuth pixel spacing at the scene centre time."""
    pc, vc = m.geo.interpolate(m.geo.seconds(m.t_mid_ref))
    lat_s, _, _ = og.ecef_to_geodetic(pc)
    inc_rad = math.radians(INCLINATION_DEG)
    psi = math.degrees(
        math.asin(max(-1.0, min(1.0, math.cos(inc_rad) / math.cos(math.radians(float(lat_s))))))
    )
    m.platform_heading = psi if m.p.ascending else -180.0 - psi
    ground_speed = float(np.linalg.norm(vc)) * og.WGS84_A / float(np.linalg.norm(pc))
    m.azimuth_pixel_spacing = ground_speed * AZIMUTH_TIME_INTERVAL


def _swath_geometry(m: SceneModel, n: int) -> SwathGeometry:
    t_c = m.geo.seconds(m.t_mid_ref)
    pc, _ = m.geo.interpolate(t_c)
    rr = m.near_ranges[n] + np.linspace(0, m.W - 1, 11) * RANGE_PIXEL
    la, lo, hh = og.rdr2geo(m.geo, np.full(rr.shape, t_c), rr, m.height)
    tg = og.geodetic_to_ecef(la, lo, hh)
    return SwathGeometry(
        incidence_mid=float(og.incidence_angle_deg(tg[5], pc)),
        antenna_tau=2 * rr / og.SPEED_OF_LIGHT,
        antenna_look=og.look_angle_deg(tg, pc),
        antenna_inc=og.incidence_angle_deg(tg, pc),
    )


def secondary_model(model: CircularOrbit, target: np.ndarray, offset_m: float) -> CircularOrbit:
    """``model`` displaced by ``offset_m`` perpendicular to both the line of sight to ``target`` and the ECEF
    velocity at the model epoch: a perpendicular baseline with no along-track part, so the zero-Doppler
    times of a target barely differ. Positive = positive perpendicular baseline in ISCE's sign convention,
    sign((LOS x B) . v) with B = secondary - reference."""
    if offset_m == 0:
        return model
    p, v = (x[0] for x in model.state(0.0))  # at the epoch the ECEF and inertial axes coincide
    los = (target - p) / np.linalg.norm(target - p)
    d = np.cross(v, los)
    d *= offset_m / np.linalg.norm(d)
    u, si, ci = model.u0, math.sin(model.inc), math.cos(model.inc)
    so, co = math.sin(model.node), math.cos(model.node)
    r_hat = p / np.linalg.norm(p)
    t_hat = np.array(
        [
            -math.sin(u) * co - math.cos(u) * ci * so,
            -math.sin(u) * so + math.cos(u) * ci * co,
            math.cos(u) * si,
        ]
    )
    normal = np.array([si * so, -si * co, ci])
    return dataclasses.replace(
        model,
        radial_offset=float(d @ r_hat),
        along_offset=float(d @ t_hat),
        normal_offset=float(d @ normal),
    )


def build(p: Params) -> SceneModel:
    """The scene model: timing, range layout, the orbit that sees the scene centre (at the DEM height there)
    at zero Doppler, right-looking, at the centre time and mid slant range, and the per-swath geometry."""
    swaths, ref, sec = _check(p)
    L, W, step = (
        int(p.lines_per_burst),
        int(p.samples_per_burst),
        int(p.lines_per_burst) - int(p.overlap_lines),
    )
    scenes = _scenes(p, ref, sec, L + (int(p.bursts) - 1) * step, step)
    near_ranges = {n: NEAR_RANGE_IW1 + (n - 1) * (W - SWATH_OVERLAP_SAMPLES) * RANGE_PIXEL for n in swaths}
    height = relief(p.centre_lat, p.centre_lon, p.relief_m, p.relief_sigma_m)
    centre_h = float(np.round(height(p.centre_lat, p.centre_lon)))
    target = og.geodetic_to_ecef(p.centre_lat, p.centre_lon, centre_h)
    m = SceneModel(
        p=p,
        swaths=swaths,
        pol={"V": "vv", "H": "hh"}[ref.polarisation[-1]],
        dual=ref.polarisation[-2] == "D",
        scenes=scenes,
        near_ranges=near_ranges,
        height=height,
        centre_h=centre_h,
        target=target,
        model=None,
    )
    m.model = solve_orbit(target, m.r_mid, m.t_mid_ref, p.ascending)
    m.sec_model = secondary_model(m.model, target, float(p.secondary_orbit_offset_m))
    m.geo = m.orbit_for(scenes[0], 30.0)
    _platform(m)
    m.swath_geometry = {n: _swath_geometry(m, n) for n in swaths}
    return m
