"""S3 delivery (product/s3_upload.py, rule upload_gunw) against a real S3-compatible server on 127.0.0.1: moto's
server mode, with fake credentials, and a proxy in front of it that fails the first requests."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from e2e import executed_rules, planned_jobs, run_snakemake
from gunw_workflow import layout
from gunw_workflow.product import s3_upload
from s3_support import FAKE_KEY_ID, FAKE_SECRET, FaultProxy, aws_env

PRODUCT_ID = "S1-GUNW-A-R-064-tops-20220212_20220131-015000-00119W_00033N-PP-6267-v3_0_1"


@pytest.fixture(scope="module")
def moto():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def env(monkeypatch):
    for var in [v for v in os.environ if v.startswith("AWS_")]:
        monkeypatch.delenv(var)
    for var, value in aws_env().items():
        monkeypatch.setenv(var, value)
    return aws_env(os.environ)


def _client(url):
    import boto3

    return boto3.session.Session().client("s3", endpoint_url=url)


def _bucket(url) -> str:
    name = f"gunw-{uuid.uuid4().hex[:12]}"
    _client(url).create_bucket(Bucket=name)
    return name


def _product(tmp_path: Path) -> layout.PairDir:
    """A small stand-in for a validated product: the files upload_gunw reads, with distinct contents."""
    pair = layout.PairDir(tmp_path / "F25502_20220212_20220131")
    Path(pair.product).mkdir(parents=True)
    Path(pair.gunw_nc).write_bytes(b"\x89HDF\r\n\x1a\n" + os.urandom(200_000))
    Path(pair.gunw_png).write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(3000))
    Path(pair.gunw_json).write_text(json.dumps({"product": PRODUCT_ID}))
    Path(pair.product_name_txt).write_text(PRODUCT_ID + ".nc\n")
    Path(pair.validated_ok).write_text(PRODUCT_ID + ".nc\n")
    return pair


def _digests(pair: layout.PairDir) -> dict:
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(Path(pair.product).iterdir())}


def _upload(pair, bucket, prefix, url, retries=5, env=None) -> subprocess.CompletedProcess:
    """`gunw upload-gunw` as the rule runs it (a subprocess, output captured like the rule's log)."""
    cmd = [
        sys.executable,
        "-m",
        "gunw_workflow.cli",
        "upload-gunw",
        "--nc",
        pair.gunw_nc,
        "--png",
        pair.gunw_png,
    ]
    cmd += ["--json", pair.gunw_json, "--name", "@" + pair.product_name_txt, "--bucket", bucket]
    cmd += [
        "--prefix",
        prefix,
        "--endpoint-url",
        url,
        "--retries",
        str(retries),
        "--record",
        pair.upload_record,
    ]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def test_keys_content_types_and_tags_are_hyp3s():
    assert s3_upload.object_key("", "a.nc") == "a.nc"
    assert s3_upload.object_key("job-1", "a.nc") == "job-1/a.nc"
    assert s3_upload.object_key("/a//b/", "a.png") == "a/b/a.png"
    assert s3_upload.content_type("x.nc") == "application/x-netcdf"
    assert s3_upload.content_type("x.png") == "image/png"
    assert s3_upload.content_type("x.json") == "application/json"
    assert s3_upload.content_type("x.unknownext") == "application/octet-stream"
    assert [s3_upload.file_type(n) for n in ("x.png", "x.nc", "x.json")] == ["browse", "product", "product"]


def test_upload_puts_each_file_with_its_key_content_type_and_tag(moto, env, tmp_path):
    pair, bucket = _product(tmp_path), _bucket(moto)
    before = _digests(pair)
    proc = _upload(pair, bucket, "job-1234", moto, env=env)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(Path(pair.upload_record).read_text())
    s3 = _client(moto)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == sorted(f"job-1234/{PRODUCT_ID}{ext}" for ext in (".nc", ".png", ".json"))
    expected = {".nc": ("application/x-netcdf", "product"), ".png": ("image/png", "browse")}
    expected[".json"] = ("application/json", "product")
    local = {".nc": pair.gunw_nc, ".png": pair.gunw_png, ".json": pair.gunw_json}
    for obj in record["objects"]:
        ext = Path(obj["key"]).suffix
        head = s3.head_object(Bucket=bucket, Key=obj["key"])
        tags = s3.get_object_tagging(Bucket=bucket, Key=obj["key"])["TagSet"]
        assert (head["ContentType"], tags) == (
            expected[ext][0],
            [{"Key": "file_type", "Value": expected[ext][1]}],
        )
        assert obj["etag"] == head["ETag"].strip('"') and obj["size"] == head["ContentLength"]
        body = s3.get_object(Bucket=bucket, Key=obj["key"])["Body"].read()
        assert body == Path(local[ext]).read_bytes()
    assert [Path(o["key"]).suffix for o in record["objects"]] == [".png", ".json", ".nc"]  # product last
    assert (record["bucket"], record["prefix"], record["product"]) == (bucket, "job-1234", PRODUCT_ID)
    assert _digests(pair) == before


def test_missing_bucket_fails_with_one_line_and_leaves_the_product_intact(moto, env, tmp_path):
    pair = _product(tmp_path)
    before = _digests(pair)
    proc = _upload(pair, "no-such-bucket-here", "job-9", moto, env=env)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"error: upload of {PRODUCT_ID}.png to s3://no-such-bucket-here/job-9 failed: NoSuchBucket; "
        "create the bucket or fix bucket/bucket_prefix"
    ]
    assert not Path(pair.upload_record).exists() and not Path(pair.upload_record + ".tmp").exists()
    assert _digests(pair) == before


def test_transient_503s_are_retried(moto, env, tmp_path):
    pair, bucket = _product(tmp_path), _bucket(moto)
    proxy = FaultProxy(("127.0.0.1", int(moto.rsplit(":", 1)[1])), fail_first=3)
    try:
        proc = _upload(pair, bucket, "p", proxy.url, retries=5, env=env)
    finally:
        proxy.close()
    assert proc.returncode == 0, proc.stderr
    statuses = [s for _, _, s in proxy.requests]
    assert statuses[:3] == [503, 503, 503] and statuses[3] == 200  # the same request, answered on its 4th try
    assert len(_client(moto).list_objects_v2(Bucket=bucket)["Contents"]) == 3


def test_retries_exhausted_fail_with_one_line(moto, env, tmp_path):
    pair, bucket = _product(tmp_path), _bucket(moto)
    proxy = FaultProxy(("127.0.0.1", int(moto.rsplit(":", 1)[1])), fail_first=10)
    try:
        proc = _upload(pair, bucket, "p", proxy.url, retries=2, env=env)
    finally:
        proxy.close()
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(
        f"error: upload of {PRODUCT_ID}.png to s3://{bucket}/p failed: ServiceUnavailable;"
    )
    assert len(proxy.requests) == 3  # the first attempt and 2 retries
    assert not Path(pair.upload_record).exists()


def test_credentials_never_reach_the_output_or_the_record(moto, env, tmp_path):
    pair, bucket = _product(tmp_path), _bucket(moto)
    ok = _upload(pair, bucket, "p", moto, env=env)
    bad = _upload(pair, "absent-bucket", "p", moto, env=env)
    assert ok.returncode == 0 and bad.returncode == 1
    text = ok.stdout + ok.stderr + bad.stdout + bad.stderr + Path(pair.upload_record).read_text()
    assert FAKE_SECRET not in text and FAKE_KEY_ID not in text


def test_missing_credentials_fail_with_one_line(moto, tmp_path):
    pair, bucket = _product(tmp_path), "any-bucket"
    env = {
        k: v
        for k, v in aws_env(os.environ).items()
        if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    }
    proc = _upload(pair, bucket, "p", moto, env=env)
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert "failed: NoCredentials; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY" in line


def _dry_run(tmp_path, *config):
    env = dict(os.environ, HOME=str(tmp_path))
    cmd = [sys.executable, "-m", "snakemake", "-n", "--snakefile", str(REPO / "Snakefile")]
    cmd += ["--directory", str(tmp_path), "--config", *config]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_the_upload_is_planned_only_when_a_bucket_is_set(tmp_path):
    without = _dry_run(tmp_path, "min_frame_coverage=0.9")
    with_bucket = _dry_run(tmp_path, "bucket=my-gunw-bucket", "bucket_prefix=job-1")
    assert without.returncode == 0 and with_bucket.returncode == 0, with_bucket.stderr[-3000:]
    assert "upload_gunw" not in planned_jobs(without.stdout)
    assert "upload_gunw" in planned_jobs(with_bucket.stdout)
    assert "F25502_20220212_20220131/s3_upload.json" in with_bucket.stdout
    bad = _dry_run(tmp_path, "bucket=Not_A_Bucket")
    assert bad.returncode != 0 and "bucket: 'Not_A_Bucket' is not allowed" in bad.stdout + bad.stderr


@pytest.mark.e2e
def test_a_bucket_added_to_a_finished_demo_uploads_it_and_again_when_it_changes(
    demo_double, moto, env, tmp_path
):
    """A copy of the session's finished double demo, then a bucket in the config: only the upload runs."""
    bucket = _bucket(moto)
    work = tmp_path / "work"
    shutil.copytree(demo_double.workdir, work, symlinks=True)  # mtimes and .snakemake metadata kept
    overlay = tmp_path / "bucket.yaml"
    delivery = {"bucket": bucket, "bucket_prefix": "job-42", "delivery": {"s3_endpoint_url": moto}}
    overlay.write_text(yaml.safe_dump(delivery))
    files = [REPO / "config" / "demo.yaml", REPO / "config" / "test" / "demo_30m.yaml", overlay]
    plan = run_snakemake(work, files, "-n")
    assert set(planned_jobs(plan.stdout)) == {"upload_gunw", "all"}, plan.stdout[-3000:]
    proc = run_snakemake(work, files)  # the `env` fixture put the fake AWS credentials in os.environ
    pair = layout.PairDir(work / demo_double.pair_dir.relative_to(demo_double.workdir))
    record = json.loads(Path(pair.upload_record).read_text())
    product = Path(pair.product_name_txt).read_text().strip().removesuffix(".nc")
    s3 = _client(moto)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == sorted(f"job-42/{product}{ext}" for ext in (".json", ".nc", ".png"))
    nc = next(o for o in record["objects"] if o["key"].endswith(".nc"))
    assert s3.get_object(Bucket=bucket, Key=nc["key"])["Body"].read() == Path(pair.gunw_nc).read_bytes()
    log = Path(pair.log("upload_gunw")).read_text()
    assert FAKE_SECRET not in log + proc.stdout + proc.stderr and FAKE_KEY_ID not in log
    # nothing changed: nothing to upload
    again = run_snakemake(work, files, "-n")
    assert "upload_gunw" not in planned_jobs(again.stdout)
    # the product is re-made: it is validated and uploaded again
    first_mtime = Path(pair.upload_record).stat().st_mtime
    remade = run_snakemake(work, files, "--forcerun", "package_gunw")
    assert "upload_gunw" in executed_rules(remade.stdout + remade.stderr)
    assert Path(pair.upload_record).stat().st_mtime > first_mtime
