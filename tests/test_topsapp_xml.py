"""topsApp.xml rendering: the reference tool's standard settings, ISCE's value syntax, known property names."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from gunw_workflow.config import load_config
from gunw_workflow.topsapp import topsapp_xml as tx


def _parse(text: str) -> tuple[dict, dict]:
    """Read back like ISCE: names case-insensitive without whitespace, values through eval()."""
    root = ET.fromstring(text)
    top = root.find("component")
    assert top.get("name") == "topsinsar"

    def props(elem):
        out = {}
        for p in elem.findall("property"):
            try:
                out[p.get("name")] = eval(p.text, {}, {})
            except Exception:
                out[p.get("name")] = p.text
        return out

    comps = {c.get("name"): props(c) for c in top.findall("component")}
    return props(top), comps


def _render_frame_25502(**overrides):
    cfg = load_config()  # the default config is the frame-25502 example pair
    cfg.update(overrides)
    text = tx.render(
        tx.topsapp_properties(cfg),
        ["/data/S1A_IW_SLC__1SDV_20220212T222803_20220212T222830_041886_04FCA3_2B3E.zip"],
        ["/data/S1A_IW_SLC__1SDV_20220131T222803_20220131T222830_041711_04F690_8F5F.zip"],
        "../inputs/orbits",
        "../inputs/dem.wgs84",
        "../inputs/geocode_dem.wgs84",
        [47.678, 48.837, -71.280, -67.524],
        [47.350, 49.144, -71.328, -67.479],
    )
    return _parse(text)


def test_frame_25502_uses_the_reference_standard_settings():
    top, comps = _render_frame_25502()
    assert top["swaths"] == [1, 2, 3]
    assert (top["range looks"], top["azimuth looks"]) == (19, 7)
    assert top["filter strength"] == 0.5
    assert top["do ESD"] is False
    assert top["do unwrap"] is True and top["unwrapper name"] == "snaphu_mcf"
    assert top["do ionosphere correction"] is True and top["apply ionosphere correction"] is False
    assert top["do dense offsets"] is False
    assert top["region of interest"] == [47.678, 48.837, -71.280, -67.524]  # [S, N, W, E]
    assert top["geocode bounding box"] == [47.350, 49.144, -71.328, -67.479]
    assert top["demFilename"] == "../inputs/dem.wgs84"
    assert top["geocode demfilename"] == "../inputs/geocode_dem.wgs84"
    assert "merged/filt_topophase.unw.conncomp" in top["geocode list"]
    assert "merged/topophase.ion" in top["geocode list"]
    for role in ("reference", "secondary"):
        assert comps[role]["output directory"] == role
        assert comps[role]["orbit directory"] == "../inputs/orbits"
        assert comps[role]["polarization"] == "vv"
        assert isinstance(comps[role]["safe"], list)


def test_every_property_name_is_known_to_isce():
    top, comps = _render_frame_25502(esd_coherence_threshold=0.8, dense_offsets=True, output_resolution=30)
    squash = lambda n: n.replace(" ", "").lower()  # noqa: E731
    known = {squash(n) for n in tx.KNOWN_PROPERTIES}
    known_comp = {squash(n) for n in tx.KNOWN_COMPONENT_PROPERTIES}
    assert all(squash(n) in known for n in top), sorted(n for n in top if squash(n) not in known)
    for props in comps.values():
        assert all(squash(n) in known_comp for n in props)


def test_recorded_real_topsapp_xml_names_are_in_our_known_list(recorded_dir):
    """The property names of the real ISCE2 runs must be in KNOWN_PROPERTIES (guards typos in our list)."""
    squash = lambda n: n.replace(" ", "").lower()  # noqa: E731
    known = {squash(n) for n in tx.KNOWN_PROPERTIES} | {squash(n) for n in tx.KNOWN_COMPONENT_PROPERTIES}
    for variant in ("standard", "esd", "dense"):
        root = ET.parse(recorded_dir / variant / "topsApp.xml").getroot()
        for p in root.iter("property"):
            assert squash(p.get("name")) in known, p.get("name")


def test_values_use_isce_syntax():
    assert tx.isce_value(True) == "True" and tx.isce_value(False) == "False"
    assert tx.isce_value([1, 2, 3]) == "[1, 2, 3]"
    assert tx.isce_value(["a.zip", "b.zip"]) == "['a.zip', 'b.zip']"
    assert tx.isce_value(None) == "None"
    assert eval(tx.isce_value([34.9, 35.1, -118.0, -117.9])) == [34.9, 35.1, -118.0, -117.9]


def test_30m_looks_esd_threshold_and_no_ionosphere():
    top, _ = _render_frame_25502(
        output_resolution=30, esd_coherence_threshold=0.7, estimate_ionosphere_delay=False
    )
    assert (top["range looks"], top["azimuth looks"]) == (7, 3)
    assert top["do ESD"] is True and top["ESD coherence threshold"] == 0.7
    assert top["do ionosphere correction"] is False
    assert "merged/topophase.ion" not in top["geocode list"]
    assert not any("ionosphere" in n for n in top if n != "do ionosphere correction" and "apply" not in n)


def test_unknown_property_is_refused():
    with pytest.raises(ValueError, match="not a topsApp property"):
        tx.render({"filter strenght": 0.5}, ["a"], ["b"], "o", "d", "g", None, None)


def test_paths_with_xml_special_characters_are_escaped():
    text = tx.render(
        tx.topsapp_properties(load_config()), ["/d/a&b.zip"], ["/d/c.zip"], "o", "d", "g", None, None
    )
    _, comps = _parse(text)
    assert comps["reference"]["safe"] == ["/d/a&b.zip"]
