"""Config schema validation and pair definitions (top-level pair, pairs list, TSV, reference JSON)."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from conftest import REPO
from gunw_workflow import pair_list as pairs
from gunw_workflow.config import load_config

REF = "S1A_IW_SLC__1SDV_20220212T222803_20220212T222830_041886_04FCA3_2B3E"
REF2 = "S1A_IW_SLC__1SDV_20220212T222828_20220212T222855_041886_04FCA3_A3E2"
SEC = "S1A_IW_SLC__1SDV_20220131T222803_20220131T222830_041711_04F690_8F5F"
SEC2 = "S1A_IW_SLC__1SDV_20220131T222828_20220131T222855_041711_04F690_28D7"


def _load(tmp_path, data) -> dict:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_config(str(path))


def test_schema_documents_every_key_with_a_default():
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())

    def walk(props, where):
        for key, sub in props.items():
            assert sub.get("description"), f"{where}{key} has no description"
            if where == "" or where.startswith(("local_inputs", "topsapp", "downloads")):
                assert "default" in sub, f"{where}{key} has no default"
            if sub.get("type") == "object" and "properties" in sub and key != "pairs":
                walk(sub["properties"], f"{where}{key}.")

    walk(schema["properties"], "")
    readme = (REPO / "config/README.md").read_text()
    for key in schema["properties"]:
        assert f"`{key}`" in readme, f"config/README.md does not document {key}"


def test_defaults_are_the_reference_tool_defaults(tmp_path):
    cfg = _load(tmp_path, {"reference_scenes": [REF], "secondary_scenes": [SEC]})
    assert cfg["estimate_ionosphere_delay"] is True
    assert cfg["compute_solid_earth_tide"] is True
    assert cfg["output_resolution"] == 90
    assert cfg["unfiltered_coherence"] is True
    assert cfg["goldstein_filter_power"] == 0.5
    assert cfg["dense_offsets"] is False
    assert cfg["esd_coherence_threshold"] == -1
    assert cfg["frame_id"] == -1
    assert cfg["keep_intermediates"] is False
    assert cfg["topsapp"]["swaths"] == [1, 2, 3]


def test_reference_tool_json_works_as_configfile(tmp_path):
    params = {
        "reference_scenes": [REF, REF2],
        "secondary_scenes": [SEC, SEC2],
        "frame_id": 25502,
        "estimate_ionosphere_delay": True,
        "compute_solid_earth_tide": True,
        "esd_coherence_threshold": -1.0,
        "output_resolution": 90,
        "unfiltered_coherence": True,
        "dense_offsets": False,
        "wrapped_phase_layer": False,
        "goldstein_filter_power": 0.5,
    }
    path = tmp_path / "topsapp_input_params.json"
    path.write_text(json.dumps(params))
    cfg = load_config(str(path))
    (pair,) = pairs.pairs_from_config(cfg)
    assert pair["name"] == "F25502_20220212_20220131"
    assert pair["reference_scenes"] == [REF, REF2]


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ({"output_resolution": 60}, "60"),
        ({"esd_coherence_threshold": 1.5}, "1.5"),
        ({"goldstein_filter_power": -1}, "-1"),
        ({"frame_id": -5}, "-5"),
        ({"estimate_ionosphere_delay": "yes"}, "yes"),
        ({"unknown_key": 1}, "unknown_key"),
        ({"topsapp": {"swaths": [4]}}, "4"),
        ({"topsapp": {"unwrapper": "grass"}}, "grass"),
        ({"pairs": [{"reference_scenes": [REF]}]}, "secondary_scenes"),
        ({"resources": {"topsapp_topo": {"threads": 0}}}, "0"),
    ],
)
def test_schema_rejects_bad_values(tmp_path, bad, fragment):
    with pytest.raises(jsonschema.ValidationError, match=fragment):
        _load(tmp_path, {"reference_scenes": [REF], "secondary_scenes": [SEC], **bad})


def test_pairs_list_tsv_and_stable_names(tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text(
        "reference_scenes\tsecondary_scenes\tframe_id\tname\n"
        f"{REF} {REF2}\t{SEC},{SEC2}\t25502\t\n"
        f"{REF}\t{SEC}\t\tmy_pair\n"
    )
    cfg = _load(
        tmp_path, {"pairs": [{"reference_scenes": [REF], "secondary_scenes": [SEC]}], "pairs_tsv": str(tsv)}
    )
    got = pairs.pairs_from_config(cfg)
    names = [p["name"] for p in got]
    assert names[0].startswith("T164_20220212_20220131_")
    assert names[1] == "F25502_20220212_20220131"
    assert names[2] == "my_pair"
    # names do not depend on the order or on other pairs
    again = pairs.pairs_from_config(_load(tmp_path, {"pairs_tsv": str(tsv)}))
    assert [p["name"] for p in again] == names[1:]


def test_pair_errors_name_the_problem(tmp_path):
    with pytest.raises(pairs.PairConfigError, match="no pair configured"):
        pairs.pairs_from_config(_load(tmp_path, {}))
    with pytest.raises(pairs.PairConfigError, match="67"):
        pairs.pairs_from_config(
            _load(tmp_path, {"reference_scenes": ["S1A_IW_SLC"], "secondary_scenes": [SEC]})
        )
    with pytest.raises(pairs.PairConfigError, match="without the file extension"):
        pairs.pairs_from_config(
            _load(tmp_path, {"reference_scenes": [REF + ".zip"], "secondary_scenes": [SEC]})
        )
    with pytest.raises(pairs.PairConfigError, match="pairs_tsv"):
        pairs.pairs_from_config(_load(tmp_path, {"pairs_tsv": str(tmp_path / "missing.tsv")}))
    clash = {
        "pairs": [
            {"reference_scenes": [REF], "secondary_scenes": [SEC], "frame_id": 25502},
            {"reference_scenes": [REF2], "secondary_scenes": [SEC2], "frame_id": 25502},
        ]
    }
    with pytest.raises(pairs.PairConfigError, match="explicit `name`"):
        pairs.pairs_from_config(_load(tmp_path, clash))
