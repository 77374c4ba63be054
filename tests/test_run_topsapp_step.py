"""The step runner's guards against ISCE2's silent failures, driven by stand-in topsApp.py programs that
reproduce each failure behaviour (exit 0 without outputs, PICKLE messages, ...)."""

from __future__ import annotations

import fcntl
import json
import os
import stat
import textwrap
from pathlib import Path

import pytest

from gunw_workflow.config import load_config
from gunw_workflow.layout import PairDir
from gunw_workflow.topsapp import run_step as rts
from gunw_workflow.topsapp import topsapp_xml as tx
from gunw_workflow.topsapp.steps import STEP_NAMES


def _fake_topsapp(bin_dir, body: str):
    """A topsApp.py whose behaviour is `body` (python, run once per step of --start..--end with `step` set,
    cwd = workdir)."""
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / "topsApp.py"
    arg = "dict(a[2:].split('=', 1) for a in sys.argv if a.startswith('--'))"
    exe.write_text(
        "#!/usr/bin/env python3\nimport os, sys\nfrom pathlib import Path\n"
        f"NAMES = {list(STEP_NAMES)!r}\nopt = {arg}\n"
        "def touch(p, text='x'):\n    Path(p).parent.mkdir(parents=True, exist_ok=True)\n    Path(p).write_text(text)\n"
        "for step in NAMES[NAMES.index(opt['start']) : NAMES.index(opt['end']) + 1]:\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
    )
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    wd = tmp_path / "topsapp"
    wd.mkdir()
    (wd / "topsApp.xml").write_text("<topsApp/>")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    return wd


def _settings():
    cfg = load_config()
    cfg["topsapp"]["swaths"] = [1]
    return tx.topsapp_properties(cfg)


def _run(workdir, name, keep=True, settings=None, **kw):
    """Run the job `name` as the rule would (its plan from the step table), with the default settings."""
    settings = settings or _settings()
    job = rts.job_named(name, settings)
    todo = rts.plan(job, settings, keep)
    pair = PairDir(workdir.parent)
    rts.run_job(
        workdir,
        job,
        workdir.parent / "logs" / f"{name}.log",
        expect=todo["expect"],
        checks=todo["checks"],
        pre_clean=todo["pre_clean"],
        clean_after=todo["clean_after"],
        heavy_marker=Path(pair.heavy_marker(name)) if todo["writes_marker"] else None,
        heavy_patterns=todo["heavy_patterns"],
        drop_markers=[Path(pair.heavy_marker(p)) for p in todo["drop_markers"]],
        **kw,
    )


def _pickles(workdir, *steps):
    (workdir / "PICKLE").mkdir(exist_ok=True)
    for step in steps:
        for f in (f"PICKLE/{step}", f"PICKLE/{step}.xml"):
            (workdir / f).write_text("x")


# a swath product XML with one burst, and computeBaselines' record of one common burst, as ISCE2 writes them
SWATH_XML = (
    "<productmanager_name><component name='instance'><component name='bursts'>"
    "<component name='burst1'/></component></component></productmanager_name>"
)
TOPSPROC = "<topsProc><IW-1_First_common_burst_in_reference>0</IW-1_First_common_burst_in_reference>" + (
    "<IW-1_Number_of_common_bursts>1</IW-1_Number_of_common_bursts></topsProc>"
)

GOOD = f"""
touch(f'PICKLE/{{step}}'); touch(f'PICKLE/{{step}}.xml'); touch('topsProc.xml', {TOPSPROC!r})
if step == 'preprocess':
    for role in ('reference', 'secondary'):
        touch(f'{{role}}/IW1.xml', {SWATH_XML!r}); touch(f'{{role}}/IW1/burst_01.slc.xml')
if step == 'filter':
    for f in ('merged/filt_topophase.flat', 'merged/phsig.cor'):
        for ext in ('', '.xml', '.vrt'): touch(f + ext)
if step == 'fineoffsets':
    touch('fine_offsets/IW1/azimuth_01.off'); touch('fine_offsets/IW1/range_01.off')
if step == 'burstifg':
    touch('fine_interferogram/IW1.xml'); touch('fine_interferogram/IW1/burst_01.int'); touch('fine_interferogram/IW1/burst_01.cor')
"""


def test_a_good_job_passes_and_its_log_is_kept(workdir):
    _fake_topsapp(workdir.parent / "bin", GOOD + "print('all fine', step)\n")
    _run(workdir, "preprocess")  # startup does no work: it runs in preprocess's process
    log = (workdir.parent / "logs" / "preprocess.log").read_text()
    assert "all fine startup" in log and "all fine preprocess" in log
    assert "--start=startup --end=preprocess" in log
    assert all((workdir / f).is_file() for f in ("PICKLE/startup.xml", "PICKLE/preprocess.xml"))


def test_an_idle_step_is_not_a_job_and_the_error_names_its_job():
    with pytest.raises(rts.StepError, match="step verifyDEM does no work and runs inside job topo"):
        rts.job_named("verifyDEM", _settings())


@pytest.mark.parametrize(
    "message, expected",
    [
        ("Cannot open PICKLE/startup", "PICKLE could not be loaded"),
        ("Could not extract swath 1 from ['x.zip']", "could not read a SAFE"),
        ("preprocess is not one of the named steps", "did not recognise the step"),
    ],
)
def test_exit_zero_with_an_isce_failure_message_fails(workdir, message, expected):
    _fake_topsapp(workdir.parent / "bin", GOOD + f"print({message!r})\n")
    (workdir / "PICKLE").mkdir()
    for f in ("PICKLE/startup", "PICKLE/startup.xml"):
        (workdir / f).write_text("x")
    with pytest.raises(rts.StepError, match=expected):
        _run(workdir, "preprocess")


def test_exit_zero_without_outputs_fails_and_names_the_missing_files(workdir):
    _fake_topsapp(workdir.parent / "bin", "touch(f'PICKLE/{step}'); touch(f'PICKLE/{step}.xml')\n")
    (workdir / "PICKLE").mkdir()
    for f in ("PICKLE/startup", "PICKLE/startup.xml"):
        (workdir / f).write_text("x")
    with pytest.raises(rts.StepError, match="reference/IW1.xml"):
        _run(workdir, "preprocess")


def test_nonzero_exit_fails_with_the_log_tail(workdir):
    _fake_topsapp(workdir.parent / "bin", "print('Coherence threshold too strict'); sys.exit(1)\n")
    _pickles(workdir, "topo")
    with pytest.raises(rts.StepError, match="Coherence threshold too strict"):
        _run(workdir, "fineoffsets")


def test_missing_previous_pickle_is_refused_before_running(workdir):
    _fake_topsapp(workdir.parent / "bin", "touch('ran')\n")
    with pytest.raises(rts.StepError, match="needs the state of step preprocess"):
        _run(workdir, "topo")
    assert not (workdir / "ran").exists()


def test_stray_config_file_is_refused(workdir):
    _fake_topsapp(workdir.parent / "bin", GOOD)
    (workdir / "topsinsar.xml").write_text("<x/>")
    with pytest.raises(rts.StepError, match="stray ISCE config"):
        _run(workdir, "preprocess")


def test_second_process_in_the_same_directory_is_refused(workdir):
    _fake_topsapp(workdir.parent / "bin", GOOD)
    with open(workdir / ".topsapp.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(rts.StepError, match="another topsApp process"):
            _run(workdir, "preprocess")
    _run(workdir, "preprocess")  # lock released: runs


def test_materialised_full_slcs_are_removed_before_denseoffsets(workdir):
    _pickles(workdir, "geocode")
    (workdir / "merged").mkdir()
    (workdir / "merged/reference.slc.full").write_text("stale")
    from gunw_workflow.isce_io.headers import IsceRaster, image_xml

    dense = {**_settings(), "do dense offsets": True}
    header = image_xml(IsceRaster(Path("x"), 2, 2, "FLOAT", x0=0.0, dx=1.0, y0=0.0, dy=-1.0), "x")
    _fake_topsapp(
        workdir.parent / "bin",
        GOOD
        + "touch('seen', str(Path('merged/reference.slc.full').exists()))\n"
        + "for f in ('merged/dense_offsets.bil', 'merged/dense_offsets_snr.bil', 'merged/dense_offsets_cov.bil'):\n"
        + f"    touch(f, 'x' * 16); touch(f + '.xml', {header!r}); touch(f + '.vrt')\n",
    )
    _run(workdir, "denseoffsets", settings=dense)
    assert (workdir / "seen").read_text() == "False"


def test_heavy_intermediates_are_deleted_by_their_last_consumer_only_when_not_kept(workdir):
    _fake_topsapp(workdir.parent / "bin", GOOD)
    _pickles(workdir, "topo", "ion")
    _run(workdir, "fineoffsets", keep=False)
    marker = workdir / "heavy/fineoffsets.txt"
    assert "fine_offsets/IW1/range_01.off" in json.dumps(marker.read_text())
    _run(workdir, "burstifg", keep=True)
    assert (workdir / "fine_offsets/IW1/range_01.off").exists() and marker.exists()
    _run(workdir, "burstifg", keep=False)
    assert not (workdir / "fine_offsets/IW1/range_01.off").exists()
    assert (workdir / "fine_interferogram/IW1.xml").exists()
    # the producer's marker went first: a kill mid-deletion makes the next run re-make the files
    assert not marker.exists()


def test_missing_topsapp_says_how_to_get_isce2(workdir, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(rts.StepError, match="--sdm conda"):
        _run(workdir, "preprocess")


def test_cli_help():
    with pytest.raises(SystemExit) as exc:
        rts.main(["--help"])
    assert exc.value.code == 0


def test_a_missing_common_burst_fails_the_step(workdir):
    """fineoffsets must write one azimuth/range offset file per common burst: with two common bursts recorded,
    a step that wrote only burst 1 fails, naming burst 2."""
    two = TOPSPROC.replace("<IW-1_Number_of_common_bursts>1<", "<IW-1_Number_of_common_bursts>2<")
    _fake_topsapp(workdir.parent / "bin", GOOD.replace(repr(TOPSPROC), repr(two)))
    _pickles(workdir, "topo")
    with pytest.raises(rts.StepError, match=r"azimuth_\*\.off: burst\(s\) \[2\] missing"):
        _run(workdir, "fineoffsets")


def test_a_raster_shorter_than_its_header_fails_the_step(workdir):
    from gunw_workflow.isce_io.headers import IsceRaster, image_xml

    def write_filter_outputs(nbytes: int) -> str:
        header = image_xml(IsceRaster(Path("x"), 10, 4, "FLOAT", x0=0.0, dx=1.0, y0=0.0, dy=-1.0), "x")
        return (
            "if step == 'filter':\n"
            "    for f in ('merged/filt_topophase.flat', 'merged/phsig.cor'):\n"
            f"        touch(f, 'x' * {nbytes}); touch(f + '.xml', {header!r}); touch(f + '.vrt')\n"
        )

    (workdir / "PICKLE").mkdir()
    for f in ("PICKLE/mergebursts", "PICKLE/mergebursts.xml"):
        (workdir / f).write_text("x")
    _fake_topsapp(workdir.parent / "bin", GOOD.split("if step == 'filter'")[0] + write_filter_outputs(160))
    _run(workdir, "filter")  # 10 x 4 float32 = 160 bytes: as its header says
    _fake_topsapp(workdir.parent / "bin", GOOD.split("if step == 'filter'")[0] + write_filter_outputs(80))
    with pytest.raises(rts.StepError, match=r"merged/phsig.cor: 80 bytes, its header says 160"):
        _run(workdir, "filter")
