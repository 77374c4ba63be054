"""The one ISCE header reader/writer (isce_io.headers) and the one time parser (isce_io.times), against the headers
real ISCE2 2.6.5 wrote in the recorded runs."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from gunw_workflow.isce_io import headers, rasters, times
from gunw_workflow.isce_io import orbit as og


# ------------------------------------------------------------------------------------------------ times
@pytest.mark.parametrize(
    "text, expected",
    [
        ("UTC=2022-09-18T05:31:55.470319", dt.datetime(2022, 9, 18, 5, 31, 55, 470319)),  # EOF
        ("2022-09-18 05:31:55.470319", dt.datetime(2022, 9, 18, 5, 31, 55, 470319)),  # ISCE product XML
        ("2020-01-01 13:59:14", dt.datetime(2020, 1, 1, 13, 59, 14)),
        ("TAI=2020-01-01T00:00:37.0000004", dt.datetime(2020, 1, 1, 0, 0, 37)),  # sub-us rounds
        ("2020-01-01T00:00:00.9999996", dt.datetime(2020, 1, 1, 0, 0, 1)),
        ("2020-01-13T01:52:02.5Z", dt.datetime(2020, 1, 13, 1, 52, 2, 500000)),  # ASF metadata
        ("2020-01-13T01:52:02+02:00", dt.datetime(2020, 1, 12, 23, 52, 2)),  # offsets -> naive UTC
        ("20200113T015202", dt.datetime(2020, 1, 13, 1, 52, 2)),  # scene ids, EOF names
        ("2020-01-13", dt.datetime(2020, 1, 13)),
    ],
)
def test_parse_time_formats(text, expected):
    assert times.parse_time(text) == expected


def test_parse_time_rejects_non_times():
    for bad in ("", "yesterday", "2020-13-01T00:00:00", "2020/01/01"):
        with pytest.raises(ValueError):
            times.parse_time(bad)


def test_time_formats_round_trip():
    t = dt.datetime(2020, 1, 1, 13, 59, 14)
    assert times.format_time(t) == "2020-01-01T13:59:14.000000"
    assert times.format_seconds(t) == "2020-01-01T13:59:14"
    assert times.format_compact(t) == "20200101T135914"
    t = dt.datetime(2022, 9, 18, 5, 31, 55, 470319)
    assert times.parse_time(times.format_time(t)) == t
    assert times.parse_time(times.format_compact(t)) == t.replace(microsecond=0)


# ---------------------------------------------------------------------------------------------- headers
def _rasters_with_vrt(root: Path) -> list[Path]:
    return [x for x in sorted(root.rglob("*.xml")) if Path(str(x)[:-4] + ".vrt").is_file()]


def test_vrt_is_byte_identical_to_isce2s(recorded_dir):
    """Every .vrt ISCE2 wrote (DEM, geocoded and radar-grid rasters, BIP and BIL, 1 and 2 bands)."""
    found = _rasters_with_vrt(recorded_dir)
    assert len(found) >= 10
    for xml in found:
        h = headers.raster_header(xml)
        assert headers.vrt_xml(h, h.path.name) == Path(str(xml)[:-4] + ".vrt").read_text(), xml


def test_dem_header_is_byte_identical_to_isce2s(recorded_dir):
    """The recorded dem.wgs84.xml, rewritten from its own header (ISCE2 adds only an ISCE_VERSION property)."""
    xml = recorded_dir / "standard" / "inputs" / "dem.wgs84.xml"
    h = headers.raster_header(xml)
    assert (h.data_type, h.reference, h.width, h.length) == ("SHORT", "WGS84", 205, 853)
    lines = xml.read_text().splitlines(keepends=True)
    assert 'name="ISCE_VERSION"' in lines[1]
    assert headers.image_xml(h, "../inputs/dem.wgs84") == lines[0] + "".join(lines[4:])
    # without <doc> lines: the same header otherwise
    bare = headers.image_xml(h, "../inputs/dem.wgs84", docs=False)
    assert "<doc>" not in bare
    assert headers.properties(ET.fromstring(bare)) == headers.properties(
        ET.fromstring(lines[0] + "".join(lines[4:]))
    )


def test_header_round_trip_keeps_pixel_centre_origin(tmp_path):
    h = headers.IsceRaster(
        tmp_path / "x.msk", 53, 37, "BYTE", x0=-118.0001388888889, dx=1 / 3600, y0=35.5, dy=-1 / 3600
    )
    (tmp_path / "x.msk.xml").write_text(headers.image_xml(h, str(h.path), family="image", image_type="bil"))
    back = headers.raster_header(tmp_path / "x.msk")
    assert (back.x0, back.dx, back.y0, back.dy) == (h.x0, h.dx, h.y0, h.dy)
    assert (back.width, back.length, back.dtype, back.reference) == (53, 37, np.dtype("u1"), "WGS84")
    p = headers.properties(ET.parse(tmp_path / "x.msk.xml").getroot())
    assert (p["family"], p["name"], p["image_type"], p["file_name"]) == (
        "image",
        "image_name",
        "bil",
        str(h.path),
    )
    np.testing.assert_allclose(back.lon()[[0, -1]], [h.x0, h.x0 + 52 / 3600])


def test_rewrite_header_sets_only_what_it_is_given(recorded_dir, tmp_path):
    src = recorded_dir / "standard" / "inputs" / "dem.wgs84.xml"
    out = headers.rewrite_header(
        src, tmp_path / "dem.wgs84.xml", file_name="../inputs/x", **{"new prop": "1"}
    )
    assert out.path == tmp_path / "dem.wgs84" and out.width == 205
    before = headers.properties(ET.parse(src).getroot())
    after = headers.properties(ET.parse(tmp_path / "dem.wgs84.xml").getroot())
    assert after.pop("file_name") == "../inputs/x" and after.pop("newprop") == "1"
    before.pop("file_name")
    assert after == before


def test_property_names_match_like_isce(tmp_path):
    root = ET.fromstring(
        '<c><property name="Range Looks"><value> 4 </value></property><property name="x">7</property></c>'
    )
    assert headers.get_property(root, "rangelooks") == "4"
    assert headers.get_property(root, "X") == "7"
    headers.set_property(root, "range looks", "8")
    headers.set_property(root, "x", "9")
    assert headers.properties(root) == {"rangelooks": "8", "x": "9"}


def test_header_without_data_type_is_refused(tmp_path):
    (tmp_path / "a.xml").write_text(
        '<imageFile><property name="width"><value>2</value></property></imageFile>'
    )
    with pytest.raises(ValueError, match="data_type"):
        headers.raster_header(tmp_path / "a")


# ------------------------------------------------------------------------------------------------ orbit
def test_swath_orbit_is_the_one_orbit_type(recorded_dir):
    """A swath product's orbit is an isce_io.orbit.Orbit, the same as read_isce_product_orbit, with its source."""
    xml = recorded_dir / "standard" / "run" / "reference" / "IW1.xml"
    swath = rasters.read_swath_xml(xml)
    assert isinstance(swath.orbit, og.Orbit)
    assert swath.orbit.source.endswith(".EOF") and "POEORB" in swath.orbit.source
    assert rasters.orbit_type(swath.orbit.source) == "precise"
    direct = og.read_isce_product_orbit(xml)
    assert swath.orbit.epoch == direct.epoch
    np.testing.assert_array_equal(swath.orbit.t, direct.t)
    np.testing.assert_array_equal(swath.orbit.pos, direct.pos)
    assert swath.orbit.start <= swath.sensing_start and swath.orbit.stop >= swath.sensing_stop
