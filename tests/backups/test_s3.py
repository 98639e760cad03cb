"""Backups of a site whose files are in an S3-compatible bucket (moto's server on loopback, spoken to by
boto3 over HTTP): every object is listed and copied through the storage's own interface, and restored
into another site's bucket, where the lesson's image is served again."""
from __future__ import annotations

from lms.core.storage import S3Storage, init_storage
from tests.backups.conftest import manifest_of, run_lms
from tests.helpers import Auth, make_institution, make_user
from tests.packages.sample import PIXEL, write_sample
from tests.test_storage import CREDENTIALS, s3_bucket, s3_endpoint  # noqa: F401 - fixtures


def test_the_files_of_a_bucket_are_backed_up_and_restored_into_a_bucket(make_site, s3_endpoint, s3_bucket,  # noqa: F811
                                                                        tmp_path):
    from lms.packages.importer import import_course
    from lms.packages.reader import read_package

    source, target = make_site("sqlite", migrate=True), make_site("sqlite")
    init_storage(source, S3Storage(s3_bucket, "site-a", endpoint_url=s3_endpoint, **CREDENTIALS))
    restored_bucket = S3Storage(s3_bucket, "site-b", endpoint_url=s3_endpoint, **CREDENTIALS)
    init_storage(target, restored_bucket)
    with source.app_context():
        spec, problems = read_package(write_sample(tmp_path / "packages"))
        assert not problems
        import_course(spec, publish=True)
        make_user("trainee@example.org", "Taras Trainee", "trainee", make_institution("UA-ACAD", "Academy", "UA"))
    archive = tmp_path / "site.tar"
    made = run_lms(source, "backup", archive)
    assert made.exit_code == 0, made.stderr
    assert f"s3://{s3_bucket}/site-a" in manifest_of(archive)["storage"]["source"]

    restored = run_lms(target, "restore", archive)
    assert restored.exit_code == 0, restored.stderr
    assert f"files: writing 1 into the bucket s3://{s3_bucket}/site-b" in restored.stderr
    assert [restored_bucket.get(key) for key in restored_bucket.keys()] == [PIXEL]
    auth = Auth(target.test_client())
    assert auth.login("trainee@example.org").status_code == 302
    image = auth.client.get("/courses/sample/assets/basics/pixel.png")
    assert image.status_code == 200 and image.data == PIXEL
