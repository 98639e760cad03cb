"""The file storage (lms.core.storage) on both backends, for real: a directory, and an S3 endpoint
(moto's server on a loopback port, spoken to by boto3 over HTTP as a real store would be)."""
from __future__ import annotations

import io
import socket
import uuid

import pytest

from lms.core.storage import (
    LocalStorage, S3Storage, StorageError, StorageNotFound, check_key, parse_s3_url, storage_from_config,
)

CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing", "region": "us-east-1"}


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server on 127.0.0.1, for the whole session."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture()
def s3_bucket(s3_endpoint):
    """A fresh bucket on the moto server."""
    import boto3

    name = f"lms-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    client.create_bucket(Bucket=name)
    return name


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    """Each test below runs on both backends."""
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    endpoint, bucket = request.getfixturevalue("s3_endpoint"), request.getfixturevalue("s3_bucket")
    return S3Storage(bucket, "site-a/files", endpoint_url=endpoint, **CREDENTIALS)


def test_put_get_exists_delete(storage):
    assert not storage.exists("course-assets/1/abc")
    storage.put("course-assets/1/abc", b"first", content_type="image/webp")
    assert storage.exists("course-assets/1/abc") and storage.get("course-assets/1/abc") == b"first"
    storage.put("course-assets/1/abc", b"second")  # replaces
    assert storage.get("course-assets/1/abc") == b"second"
    storage.delete("course-assets/1/abc")
    assert not storage.exists("course-assets/1/abc")
    storage.delete("course-assets/1/abc")  # deleting what is not there is not an error


def test_a_missing_file_is_not_found_when_asked_for(storage):
    with pytest.raises(StorageNotFound):
        storage.stream("nothing/here")  # at the call, before any chunk is read
    with pytest.raises(StorageNotFound):
        storage.get("nothing/here")
    with pytest.raises(KeyError):  # StorageNotFound is a KeyError too
        storage.get("nothing/here")


def test_reads_are_streamed_in_chunks_and_files_are_written_from_streams(storage):
    data = bytes(range(256)) * 4096 + b"end"  # a little over 1 MB
    storage.put("exports/big.bin", io.BytesIO(data))
    chunks = list(storage.stream("exports/big.bin", chunk_size=64 * 1024))
    assert len(chunks) > 10 and all(len(c) <= 64 * 1024 for c in chunks)
    assert b"".join(chunks) == data


def test_keys_are_listed_by_prefix(storage):
    for key in ("course-assets/1/a", "course-assets/2/b", "evidence/7/c"):
        storage.put(key, key.encode())
    assert sorted(storage.keys("course-assets/")) == ["course-assets/1/a", "course-assets/2/b"]
    assert sorted(storage.keys()) == ["course-assets/1/a", "course-assets/2/b", "evidence/7/c"]


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "../up", "a//b", "a/./b", "a\\b", "a/b/", ".hidden",
                                 "sp ace", "x" * 600, "nul\x00"])
def test_unsafe_keys_are_refused(storage, key):
    with pytest.raises(ValueError):
        storage.put(key, b"x")
    with pytest.raises(ValueError):
        storage.exists(key)


def test_local_files_stay_inside_the_directory_and_are_written_whole(tmp_path):
    storage = LocalStorage(tmp_path / "files")
    storage.put("a/b/c.webp", b"data")
    assert (tmp_path / "files" / "a" / "b" / "c.webp").read_bytes() == b"data"
    assert not [p for p in (tmp_path / "files").rglob(".part-*")]  # no half-written file is left
    assert list(tmp_path.iterdir()) == [tmp_path / "files"]
    assert check_key("course-assets/1/" + "f" * 64)


def test_s3_prefixes_keep_two_sites_apart_in_one_bucket(s3_endpoint, s3_bucket):
    one = S3Storage(s3_bucket, "site-a", endpoint_url=s3_endpoint, **CREDENTIALS)
    two = S3Storage(s3_bucket, "site-b", endpoint_url=s3_endpoint, **CREDENTIALS)
    one.put("k/1", b"a")
    assert not two.exists("k/1") and list(two.keys()) == []
    assert list(one.keys()) == ["k/1"]
    import boto3

    raw = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="testing",
                       aws_secret_access_key="testing", region_name="us-east-1")
    assert raw.get_object(Bucket=s3_bucket, Key="site-a/k/1")["Body"].read() == b"a"


def test_an_unreachable_or_wrong_store_gives_a_storage_error(s3_endpoint):
    storage = S3Storage("no-such-bucket", endpoint_url=s3_endpoint, **CREDENTIALS)
    with pytest.raises(StorageError) as refused:
        storage.put("k", b"x")
    assert not isinstance(refused.value, StorageNotFound) and "no-such-bucket" in str(refused.value)


def test_settings_choose_the_backend(tmp_path, s3_endpoint, s3_bucket):
    local = storage_from_config({"STORAGE_DIR": str(tmp_path / "x"), "STORAGE_URL": ""})
    assert isinstance(local, LocalStorage) and local.root == tmp_path / "x"
    remote = storage_from_config({"STORAGE_DIR": "unused", "STORAGE_URL": f"s3://{s3_bucket}/prod/lms",
                                  "STORAGE_S3_ENDPOINT_URL": s3_endpoint, "STORAGE_S3_REGION": "us-east-1",
                                  "STORAGE_S3_ACCESS_KEY_ID": "testing", "STORAGE_S3_SECRET_ACCESS_KEY": "testing"})
    assert isinstance(remote, S3Storage) and (remote.bucket, remote.prefix) == (s3_bucket, "prod/lms")
    remote.put("k", b"v")
    assert remote.get("k") == b"v" and "testing" not in remote.describe()
    assert parse_s3_url("s3://b") == ("b", "")


def test_the_default_directory_is_in_the_instance_folder_and_urls_are_checked(tmp_path, monkeypatch):
    from config import ConfigError, load_config

    monkeypatch.delenv("LMS_STORAGE_DIR", raising=False)
    monkeypatch.delenv("LMS_STORAGE_URL", raising=False)
    config = load_config(INSTANCE_PATH=str(tmp_path), SECRET_KEY="x")
    assert config["STORAGE_DIR"] == str(tmp_path / "storage") and config["STORAGE_URL"] == ""
    for wrong in ("http://example.org/bucket", "s3://", "s3://b/../etc", "/var/lib/lms/files"):
        monkeypatch.setenv("LMS_STORAGE_URL", wrong)
        with pytest.raises(ConfigError, match="LMS_STORAGE_URL"):
            load_config(INSTANCE_PATH=str(tmp_path), SECRET_KEY="x")


@pytest.mark.db
def test_the_platform_keeps_and_serves_course_images_from_a_bucket(app, client, db, tmp_path, s3_endpoint, s3_bucket):
    """The whole path on S3: a package import writes the images into the bucket, and the image route
    serves them from it; a second server with the same settings (another storage object on the same
    bucket) finds the same files."""
    import boto3

    from lms.catalog.models import CourseAsset
    from lms.core.storage import current_storage, init_storage
    from lms.packages.importer import import_course
    from lms.packages.reader import read_package
    from tests.packages.sample import PIXEL, write_sample

    settings = {"STORAGE_URL": f"s3://{s3_bucket}/lms", "STORAGE_S3_ENDPOINT_URL": s3_endpoint,
                "STORAGE_S3_REGION": "us-east-1", "STORAGE_S3_ACCESS_KEY_ID": "testing",
                "STORAGE_S3_SECRET_ACCESS_KEY": "testing"}
    local = current_storage()
    init_storage(app, storage_from_config(settings))
    try:
        spec, _problems = read_package(write_sample(tmp_path))
        import_course(spec, publish=True)
        key = db.session.query(CourseAsset.storage_key).scalar()
        raw = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="testing",
                           aws_secret_access_key="testing", region_name="us-east-1")
        assert raw.get_object(Bucket=s3_bucket, Key=f"lms/{key}")["Body"].read() == PIXEL
        response = client.get("/courses/sample/assets/basics/pixel.png")
        assert response.status_code == 200 and response.data == PIXEL and response.mimetype == "image/png"
        other_server = storage_from_config(settings)
        assert other_server.get(key) == PIXEL
    finally:
        init_storage(app, local)
