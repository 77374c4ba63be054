"""Orbit files: what can be checked without a published checksum, placement without debris, one file per date."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

import loopback
from gunw_workflow import s1_ids
from gunw_workflow.inputs import orbits
from inputs_support import RESORB_2022, SCENE_RES, Services, fast_policy, require_shared

SCENE = s1_ids.parse(SCENE_RES)  # 2022-09-18 07:49:20-47, inside the RESORB's 05:31:55-08:49:25


def _osv_blocks(text: str) -> list[re.Match]:
    return list(re.finditer(r"<OSV>.*?</OSV>", text, re.S))


def _tampered(tmp_path, edit) -> str:
    path = tmp_path / RESORB_2022.name
    path.write_text(edit(RESORB_2022.read_text()))
    return path


def _bump(text: str, tag: str, n: int, delta: float) -> str:
    """The n-th <tag> value changed by `delta` (still a well-formed, physically plausible file)."""
    m = list(re.finditer(rf"<{tag} unit=\"[^\"]+\">([-+0-9.]+)</{tag}>", text))[n]
    value = f"{float(m.group(1)) + delta:.6f}"
    return text[: m.start(1)] + value + text[m.end(1) :]


def test_real_resorb_passes_every_check():
    require_shared()
    info = orbits.validate_eof(RESORB_2022, RESORB_2022.name, SCENE.start, SCENE.stop, timedelta(minutes=10))
    assert info["n_state_vectors"] == 1186 and info["type"] == "RESORB"
    assert info["validity_start"] == "2022-09-18T05:31:55"


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: _bump(t, "X", 500, 0.05), "positions and velocities disagree"),  # 5 cm in one position
        (lambda t: _bump(t, "VZ", 700, 0.002), "positions and velocities disagree"),  # 2 mm/s in one velocity
        (lambda t: _bump(t, "X", 10, 3.0e6), "radius"),
        (lambda t: re.sub(r"<VX unit=\"m/s\">[-+0-9.]+<", '<VX unit="m/s">9000.000000<', t, count=1), "speed"),
        (lambda t: t.replace(_osv_blocks(t)[300].group(0), "", 1), "monotonic 10 s grid"),  # a missing vector
        (lambda t: t.replace("UTC=2022-09-18T05:31:55</Validity_Start>", "UTC=2022-09-18T05:00:00</Validity_Start>"),
         "differs from its name"),
        (lambda t: t[: len(t) // 2], "not a valid EOF XML"),
        (lambda t: re.sub(r"<List_of_OSVs.*</List_of_OSVs>", "", t, flags=re.S), "no orbit state vectors"),
    ],
    ids=["position-5cm", "velocity-2mm/s", "radius", "speed", "gap", "header-validity", "truncated", "no-osv"],
)  # fmt: skip
def test_corrupted_eof_is_rejected(edit, message, tmp_path):
    require_shared()
    with pytest.raises(ValueError, match=message):
        orbits.validate_eof(_tampered(tmp_path, edit), RESORB_2022.name, SCENE.start, SCENE.stop)


def test_validity_must_cover_the_scene_with_margin():
    require_shared()
    late = SCENE.start + timedelta(minutes=55)  # 08:44:20-47: inside the validity, not with the 10 min margin
    with pytest.raises(ValueError, match="does not cover the scene"):
        orbits.validate_eof(RESORB_2022, None, late, late + timedelta(seconds=27), timedelta(minutes=10))
    orbits.validate_eof(RESORB_2022, None, late, late + timedelta(seconds=27))  # no margin asked: fine


@pytest.fixture
def services(tmp_path):
    svc = Services(tmp_path, synthetic_orbit_days=("20150406",))
    yield svc
    svc.close()


def test_two_slices_of_a_date_fetch_the_eof_once_and_leave_no_temp_file(services, tmp_path):
    """The slices of one date share the real file under files/; re-placing an existing copy (a re-run, which
    renames one hard link onto another of the same file) leaves no .<scene>.EOF.<pid>.tmp behind."""
    slices = [
        "S1A_IW_SLC__1SDV_20150406T020719_20150406T020746_005357_006CC2_AAAA",
        "S1A_IW_SLC__1SDV_20150406T020744_20150406T020811_005357_006CC2_BBBB",
    ]
    out_dir = tmp_path / "cache/orbits"
    for scene in slices + slices:  # the second round is a re-run
        orbits.fetch_orbit(scene, out_dir / f"{scene}.EOF", services.url, fast_policy(), providers=("asf",))
    eof_gets = [r for r in services.lb.log if r["path"].endswith(".EOF")]
    assert len(eof_gets) == 1, eof_gets
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == sorted([f"{s}.EOF" for s in slices] + [f"{s}.EOF.json" for s in slices] + ["files"])
    assert [p.name for p in (out_dir / "files").iterdir() if not p.name.endswith(".lock")] == [
        eof_gets[0]["path"].rsplit("/", 1)[-1]
    ]
    assert services.lb.count(loopback.ORBIT_HOST, "prefix=") >= 2  # the listings themselves are per scene


def test_a_leap_second_inside_the_file_is_not_a_gap(tmp_path):
    """The grid is checked on TAI: across a leap second the UTC tags step 11 s while TAI stays on 10 s."""
    require_shared()
    seen = []

    def later_by_a_second(m: re.Match) -> str:
        seen.append(1)
        if len(seen) <= 600:  # state vectors #1-#600 unchanged, #601 on one second later in UTC
            return m.group(0)
        utc = datetime.fromisoformat(m.group(1)) + timedelta(seconds=1)
        return f"<UTC>UTC={utc.isoformat(timespec='microseconds')}</UTC>"

    path = _tampered(tmp_path, lambda t: re.sub(r"<UTC>UTC=(\S+?)</UTC>", later_by_a_second, t))
    assert "<UTC>UTC=2022-09-18T07:11:56.470319</UTC>" in path.read_text()  # #601: 05:31:55 + 6000 s + 1 s
    orbits.validate_eof(path, RESORB_2022.name)
