"""Planted secrets from every route must never reach a file: results dir, cache, .snakemake/, the product.

Routes: credentials inside config values (user:password@ in a base URL, token / signature query parameters,
credential-named keys), which the workflow rejects before Snakemake can record them; Earthdata credentials in
the environment, used by the check and the SLC download; a datapool redirect to a presigned S3 URL (as ASF's
downloads really redirect); and credential-like values that reach the product's provenance (sanitise).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import loopback
from gunw_workflow.inputs import secrets
from gunw_workflow.product import gunw_name
from inputs_support import EDL_PASS, EDL_USER, S0313, S0406, Services, edl_env

REPO = Path(__file__).resolve().parent.parent
PLANTED = {
    "userinfo": "pl4nted-URL-passw0rd",
    "token": "pl4nted-query-t0ken",
    "amz": "pl4nted-amz-s1gnature",
    "key": "pl4nted-config-passw0rd",
    "nested": "pl4nted-nested-t0ken",
    "redirect": "pl4nted-redirect-s1g",
    "provenance": "pl4nted-provenance-s1g",
}
ALL = [*PLANTED.values(), EDL_PASS, EDL_USER]


def _snakemake(work: Path, cfg: dict, targets: list[str], env: dict) -> subprocess.CompletedProcess:
    config = work / "config.yaml"
    config.write_text(yaml.safe_dump(cfg))
    cmd = [
        sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(work),
        "--configfile", str(config), "--workflow-profile", "none", "--cores", "2",
        "--resources", "downloads=2", "--printshellcmds", *targets,
    ]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)


def _leaks(root: Path, texts=(), skip=()) -> list[str]:
    """Every file under root (and every given text) that holds a planted secret."""
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and path not in skip:
            data = path.read_bytes()
            hits += [f"{path.relative_to(root)}: {s}" for s in ALL if s.encode() in data]
    for i, text in enumerate(texts):
        hits += [f"console[{i}]: {s}" for s in ALL if s in text]
    return hits


def _env(tmp_path: Path) -> dict:
    env = {**os.environ, **edl_env(tmp_path), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env.pop("GUNW_BASE_URL", None)
    return env


# ------------------------------------------------------------------------------------------------- unit level
def test_config_problems_name_keys_never_values():
    cfg = {
        "downloads": {
            "dem_base_url": f"http://someone:{PLANTED['userinfo']}@127.0.0.1:1",
            "slc_base_url": f"http://127.0.0.1:1/?access_token={PLANTED['token']}&page=2",
            "orbit_base_url": f"https://b.s3.amazonaws.com/?X-Amz-Signature={PLANTED['amz']}",
            "asf_search_url": "https://cmr.earthdata.nasa.gov/?page_size=10",  # a harmless query stays allowed
        },
        "password": PLANTED["key"],
        "pairs": [{"name": "p", "notes": f"see https://x.org/a?sig={PLANTED['nested']}"}],
    }
    problems = secrets.config_problems(cfg)
    assert problems == [
        "downloads.dem_base_url: a user name/password in the URL (user:password@host)",
        "downloads.slc_base_url: credential query parameter(s) access_token",
        "downloads.orbit_base_url: credential query parameter(s) X-Amz-Signature",
        "password: a credential-named key",
        "pairs[0].notes: credential query parameter(s) sig",
    ]
    msg = secrets.config_error(cfg)
    assert "~/.netrc" in msg and "EARTHDATA_USERNAME" in msg
    assert not [s for s in ALL if s in msg] and "127.0.0.1" not in msg
    assert secrets.config_error({"downloads": {"retries": 3, "dem_base_url": "http://127.0.0.1:8"}}) is None


@pytest.mark.parametrize(
    "url, clean",
    [
        ("https://u:p@host/x?token=T&page=2", "https://host/x?page=2"),
        ("https://h/x?access_token=T", "https://h/x"),
        ("https://h/x?sig=T&se=2025&sv=1", "https://h/x?se=2025&sv=1"),
        ("https://h/f.zip?X-Amz-Algorithm=A&X-Amz-Credential=C&X-Amz-Signature=S&X-Amz-Security-Token=T",
         "https://h/f.zip?X-Amz-Algorithm=A"),
        ("https://h/x?Signature=S&Key-Pair-Id=K&Policy=P&keep=1", "https://h/x?keep=1"),
        ("https://h/x?apikey=K&api_key=K&password=P", "https://h/x"),
        ("https://h/x?page=2&q=a%2Fb", "https://h/x?page=2&q=a%2Fb"),  # untouched, encoding kept
    ],
)  # fmt: skip
def test_sanitise_scrubs_credential_query_parameters(url, clean):
    assert gunw_name.sanitise({"u": url}) == {"u": clean}
    assert gunw_name.sanitise([f"text {url} more"]) == [f"text {clean} more"]


# ------------------------------------------------------------------------------------------------- workflow level
def test_config_with_credentials_is_rejected_before_snakemake_records_it(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    cfg = {
        "reference_scenes": [S0406],
        "secondary_scenes": [S0313],
        "frame_id": -1,
        "password": PLANTED["key"],  # unknown to the schema, whose error would print the whole config
        "downloads": {
            "dem_base_url": f"http://someone:{PLANTED['userinfo']}@127.0.0.1:9",
            "slc_base_url": f"http://127.0.0.1:9/?token={PLANTED['token']}",
            "orbit_base_url": f"http://127.0.0.1:9/?X-Amz-Signature={PLANTED['amz']}",
            "earthdata_token": PLANTED["nested"],
        },
    }
    proc = _snakemake(work, cfg, ["results"], _env(tmp_path))
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    for key in ("password", "downloads.dem_base_url", "downloads.slc_base_url", "downloads.orbit_base_url"):
        assert f"{key}: " in out
    assert "downloads.earthdata_token: a credential-named key" in out and "~/.netrc" in out
    assert _leaks(work, [proc.stdout, proc.stderr], skip={work / "config.yaml"}) == []
    assert not (work / ".snakemake" / "metadata").exists() or not any(
        (work / ".snakemake/metadata").iterdir()
    )


def test_a_real_run_leaves_no_secret_anywhere(tmp_path):
    """Check, SLC (through a redirect to a presigned URL) and orbit downloads with Earthdata credentials from
    the environment, then the product of the recorded ISCE2 run packaged with credential-like provenance."""
    svc = Services(tmp_path, served_scenes=(S0313,), synthetic_orbit_days=("20150406",))
    try:
        # ASF's datapool answers with a redirect to a presigned S3 URL (the real behaviour after login)
        bucket = "sentinel1-slc.s3.us-west-2.amazonaws.com"
        signed = (
            f"https://{bucket}/{S0406}.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Credential=AKIA/{PLANTED['redirect']}&X-Amz-Signature={PLANTED['redirect']}"
        )
        svc.lb.route(
            loopback.DATAPOOL_HOST,
            "GET",
            re.escape(loopback.datapool_path(S0406)) + "$",
            lambda req: loopback.Reply(307, b"", {"Location": signed}),
        )
        svc.lb.add_file(bucket, f"/{S0406}.zip", svc.payload)
        for i, rec in enumerate(svc.records):
            if rec["umm"]["GranuleUR"].startswith(S0406):
                svc.records[i] = loopback.umm_set_size_md5(rec, svc.size, svc.md5)
        svc.lb.fault(bucket, S0406, ["reset-mid"])  # the failed try is logged: still without the signature
        work = tmp_path / "work"
        work.mkdir()
        cfg = {
            "reference_scenes": [S0406],
            "secondary_scenes": [S0313],
            "frame_id": -1,
            "results_dir": "results",
            "cache_dir": "cache",
            "downloads": {
                "retries": 2,
                **{k: svc.url for k in ("asf_search_url", "slc_base_url", "orbit_base_url", "dem_base_url")},
            },
        }
        targets = [f"cache/slc/{S0406}.zip", f"cache/slc/{S0313}.zip", f"cache/orbits/{S0406}.EOF"]
        proc = _snakemake(work, cfg, targets, _env(tmp_path))
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert (work / "cache/slc" / f"{S0406}.zip").read_bytes() == svc.payload
        assert svc.lb.count(bucket) == 2  # the presigned URL was really used (and resumed)
        zips = set((work / "cache/slc").glob("*.zip"))  # the stand-in payload bytes are not scanned
        assert _leaks(work, [proc.stdout, proc.stderr], skip=zips) == []
    finally:
        svc.close()

    # the product: provenance with credential-like values (a route that bypasses the config check)
    from gunw_workflow.product import package as package_gunw
    from test_gunw_package import OPTIONS, STANDARD, pair_fixture, topsapp_dir

    if not STANDARD.is_dir():
        pytest.skip("shared ISCE2 recording not available")
    d = tmp_path / "gunw"
    d.mkdir()
    (d / "pair.json").write_text(json.dumps(pair_fixture()))
    config = {
        "results_dir": "results",
        "note": f"inputs from https://h.example/a.zip?X-Amz-Signature={PLANTED['provenance']}&x=1",
        "mirror": f"https://user:{PLANTED['userinfo']}@mirror.example/data?access_token={PLANTED['token']}",
        "downloads": {"password": PLANTED["key"]},
    }
    package_gunw.package(
        topsapp_dir(d / "topsapp"), d / "pair.json", d / "product", options=OPTIONS, config=config
    )
    assert sorted(p.suffix for p in (d / "product").iterdir() if p.is_file())[:3] == [".json", ".nc", ".png"]
    assert _leaks(d / "product") == []
    assert b"https://h.example/a.zip?x=1" in (d / "product" / "gunw.nc").read_bytes()  # scrubbed, not dropped
