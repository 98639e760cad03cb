"""Images in the lesson editor, through the pages as an instructor without JavaScript uses them: upload
(the type read from the content, bounds, alt text, safe names), the Markdown put into the text, the
preview that flags broken images, the lesson page's srcset, and the package round trip."""
from __future__ import annotations

import io
import re
import zipfile
from html import unescape

import pytest
from PIL import Image
from sqlalchemy import delete, func, select

from lms.audit.models import AuditEvent
from lms.catalog.models import Course, CourseAsset, Lesson
from lms.core.images import MAX_BYTES
from lms.core.storage import current_storage
from tests.helpers import csrf_token, make_staff
from tests.images import HTML_PAGE, diagram, photo, png_bomb

pytestmark = pytest.mark.db

EDIT = "/author/sample/lessons/second"
NEW = "/author/sample/modules/basics/lessons/new"


@pytest.fixture()
def owner(client, auth, world, course):
    make_staff(course, world["instructor"], "owner")
    auth.login(world["instructor"].email)
    return world["instructor"]


def upload(client, url: str, data: bytes, filename: str, alt: str = "Crossing point at dawn", **fields):
    """Post the lesson editor's form with "Upload and insert", as the browser sends it."""
    page = client.get(url).get_data(as_text=True)
    title = re.search(r'id="title"[^>]*value="([^"]*)"', page)
    body = re.search(r'<textarea[^>]*id="body"[^>]*>(?:\r\n|\n)?(.*?)</textarea>', page, re.S)
    form = {"csrf_token": csrf_token(page), "title": unescape(title.group(1)) if title else "",
            "minutes": "5", "body": unescape(body.group(1)) if body else "", "alt": alt, "action": "upload",
            "image": (io.BytesIO(data), filename), **fields}
    return client.post(url, data=form, content_type="multipart/form-data")


def textarea(html: str) -> str:
    return unescape(re.search(r'<textarea[^>]*id="body"[^>]*>(?:\r\n|\n)?(.*?)</textarea>', html, re.S).group(1))


def assets_of(db, course) -> dict[str, CourseAsset]:
    db.session.expire_all()
    return {a.path: a for a in db.session.scalars(select(CourseAsset).where(CourseAsset.course_id == course.id))}


def test_an_upload_is_resized_stored_and_put_into_the_text(client, owner, course, db):
    response = upload(client, EDIT, photo(2400, 1600), "Пункт пропуску (ніч).JPG")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "was read as a JPEG image of 2400 × 1600 pixels and added as punkt-propusku-nich.webp" in unescape(html)
    assert textarea(html).endswith("\n\n![Crossing point at dawn](punkt-propusku-nich.webp)\n")
    # Stored with the course, exactly as a package's image: two widths, WebP, in the storage.
    stored = assets_of(db, course)
    big, small = stored["basics/punkt-propusku-nich.webp"], stored["basics/punkt-propusku-nich.w600.webp"]
    assert (big.width, big.height, small.width, small.height) == (1200, 800, 600, 400)
    for asset in (big, small):
        data = current_storage().get(asset.storage_key)
        assert asset.mime_type == "image/webp" and data[:4] == b"RIFF" and data[8:12] == b"WEBP"
        assert len(data) == asset.size and b"SERIAL-0042" not in data
        assert not Image.open(io.BytesIO(data)).getexif()
    # The preview shows it at once, with srcset; nothing of the lesson's text is saved yet.
    assert re.search(r'src="/courses/sample/assets/basics/punkt-propusku-nich\.webp\?v=[0-9a-f]{12}"', html)
    assert re.search(r'srcset="/courses/sample/assets/basics/punkt-propusku-nich\.w600\.webp\?v=[0-9a-f]{12} 600w', html)
    assert "punkt-propusku" not in db.session.scalar(select(Lesson.body).where(Lesson.slug == "second"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.image_added"))
    assert event.actor_id == owner.id and event.details["source_format"] == "JPEG"
    assert db.session.get(Course, course.id).package_hash is None


def test_a_png_named_jpg_is_read_as_png(client, owner, course, db):
    response = upload(client, EDIT, diagram(), "map.jpg", alt="Three zones")
    assert "map.jpg was read as a PNG image of 800 × 500 pixels" in unescape(response.get_data(as_text=True))
    assert set(assets_of(db, course)) >= {"basics/map.webp", "basics/map.w600.webp"}


@pytest.mark.parametrize("data, filename, message", [
    (HTML_PAGE, "innocent.png", "The file is not a PNG, JPEG or WebP image, whatever its name says."),
    (b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES), "huge.png", "The file is larger than 10 MB."),
    (png_bomb(), "bomb.png", "The image has too many pixels (at most 40 million)."),
    (photo(800, 600)[:3000], "cut.jpg", None),
], ids=["html-named-png", "over-10-mb", "decompression-bomb", "truncated"])
def test_refused_uploads_say_why_and_store_nothing(client, owner, course, db, data, filename, message):
    keys_before = set(current_storage().keys())
    response = upload(client, EDIT, data, filename)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and 'class="error"' in html
    if message:
        assert message in html
    else:
        assert "cannot be read" in html or "is not a PNG, JPEG or WebP image" in html
    assert "was read as" not in html
    assert set(assets_of(db, course)) == {"basics/pixel.png"}
    assert set(current_storage().keys()) == keys_before


def test_alt_text_and_a_file_are_required(client, owner, course, db):
    html = unescape(upload(client, EDIT, diagram(), "map.png", alt="   ").get_data(as_text=True))
    assert "Describe the image for trainees who cannot see it." in html
    page = client.get(EDIT).get_data(as_text=True)
    response = client.post(EDIT, data={"csrf_token": csrf_token(page), "title": "Second", "minutes": "5",
                                       "body": "Text", "alt": "A map", "action": "upload"},
                           content_type="multipart/form-data")
    assert "Choose an image file." in response.get_data(as_text=True)
    assert set(assets_of(db, course)) == {"basics/pixel.png"}
    # Saving the lesson never asks for an image.
    saved = client.post(EDIT, data={"csrf_token": csrf_token(page), "title": "Second", "minutes": "5",
                                    "body": "Text", "action": "save"}, content_type="multipart/form-data")
    assert saved.status_code == 302


def test_names_are_safe_and_unique_in_the_module(client, owner, course, db):
    for filename in ("../../etc/passwd.png", "Map Final.PNG", "Map final.png", "pixel.png", ".png"):
        upload(client, EDIT, diagram(), filename)
    names = {path.split("/", 1)[1] for path in assets_of(db, course)}
    assert names >= {"passwd.webp", "map-final.webp", "map-final-2.webp", "pixel-2.webp", "png.webp", "pixel.png"}
    assert all(re.fullmatch(r"[a-z0-9-]+(\.w600)?\.(webp|png)", name) for name in names), names


def test_the_image_goes_after_the_line_where_the_cursor_was(client, owner, course, db):
    body = "## One\r\nFirst paragraph.\r\n\r\n## Two\r\nSecond."
    response = upload(client, EDIT, diagram(), "map.png", alt="A [rough] map", body=body,
                      insert_at=str(body.replace("\r\n", "\n").index("paragraph")))
    assert textarea(response.get_data(as_text=True)) == (
        "## One\nFirst paragraph.\n\n![A \\[rough\\] map](map.webp)\n\n## Two\nSecond.")


def test_a_new_lesson_gets_images_before_it_is_saved(client, owner, course, db):
    response = upload(client, NEW, diagram(), "plan.png", alt="Plan")
    assert textarea(response.get_data(as_text=True)) == "![Plan](plan.webp)\n"
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == 2  # the sample's own two
    assert "basics/plan.webp" in assets_of(db, course)


def test_the_preview_flags_broken_and_outside_images(client, auth, owner, course, db):
    body = ("Fine: ![a pixel](pixel.png)\n\n![Typo](pixle.png)\n\n![Outside](https://example.org/x.png)\n\n"
            "![](pixel.png)\n\n<img src=\"gone.webp\" alt=\"x\">\n")
    html = unescape(auth.post(EDIT, {"title": "Second", "minutes": "5", "body": body, "action": "preview"})
                    .get_data(as_text=True))
    problems = re.search(r'<ul class="image-problems">(.*?)</ul>', html, re.S).group(1)
    assert "Line 3: broken image link: pixle.png is not among this module's images." in problems
    assert "Line 5: the image https://example.org/x.png is outside the course." in problems
    assert "Line 7: the image pixel.png has no alternative text." in problems
    assert "Line 9: broken image link: gone.webp is not among this module's images." in problems
    assert problems.count("<li>") == 4  # the good image is not flagged
    clean = auth.post(EDIT, {"title": "Second", "minutes": "5", "body": "![a pixel](pixel.png)", "action": "preview"})
    assert "image-problems" not in clean.get_data(as_text=True)
    assert re.search(r'<img alt="a pixel" src="/courses/sample/assets/basics/pixel\.png\?v=[0-9a-f]{12}">',
                     clean.get_data(as_text=True))


def test_the_trainee_gets_srcset_and_the_image_from_the_storage(client, auth, owner, world, course, db):
    added = upload(client, EDIT, photo(1600, 1000), "dawn.jpg", alt="Dawn")
    body = textarea(added.get_data(as_text=True))
    assert auth.post(EDIT, {"title": "Second", "minutes": "5", "body": body, "action": "save"}).status_code == 302
    editor = client.get(EDIT).get_data(as_text=True)
    assert "<code>![](dawn.webp)</code>" in editor and "1200 × 750 pixels" in unescape(editor)
    auth.logout()
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    page = client.get("/courses/sample/lessons/second").get_data(as_text=True)
    img = re.search(r'<img alt="Dawn"[^>]*>', page).group(0)
    assert re.search(r'src="/courses/sample/assets/basics/dawn\.webp\?v=[0-9a-f]{12}"', img)
    assert 'width="1200"' in img and 'height="750"' in img
    assert re.search(r'srcset="/courses/sample/assets/basics/dawn\.w600\.webp\?v=[0-9a-f]{12} 600w, '
                     r'/courses/sample/assets/basics/dawn\.webp\?v=[0-9a-f]{12} 1200w"', img)
    assert 'sizes="(max-width: 46rem) calc(100vw - 2rem), 44rem"' in img
    image = client.get("/courses/sample/assets/basics/dawn.w600.webp")
    stored = assets_of(db, course)["basics/dawn.w600.webp"]
    assert image.status_code == 200 and image.mimetype == "image/webp"
    assert image.data == current_storage().get(stored.storage_key) and image.content_length == stored.size
    again = client.get("/courses/sample/assets/basics/dawn.w600.webp", headers={"If-None-Match": image.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_an_image_missing_from_the_storage_is_not_found_and_logged(client, auth, owner, course, db, caplog):
    asset = assets_of(db, course)["basics/pixel.png"]
    current_storage().delete(asset.storage_key)
    assert client.get("/courses/sample/assets/basics/pixel.png").status_code == 404
    assert "missing from the storage" in caplog.text


def test_the_package_round_trips_the_uploaded_images(app, client, auth, owner, course, db, tmp_path):
    added = upload(client, EDIT, photo(2000, 1200), "route.jpg", alt="The patrol route")
    body = textarea(added.get_data(as_text=True))
    assert auth.post(EDIT, {"title": "Second", "minutes": "5", "body": body, "action": "save"}).status_code == 302
    before = {path: current_storage().get(a.storage_key) for path, a in assets_of(db, course).items()}
    lesson_before = db.session.scalar(select(Lesson.body).where(Lesson.slug == "second"))
    package = client.get("/author/sample/package.zip").data
    archive = zipfile.ZipFile(io.BytesIO(package))
    assert {"sample/01-basics/route.webp", "sample/01-basics/route.w600.webp"} <= set(archive.namelist())
    # The package check accepts it, from the command line as from a folder in Git.
    archive.extractall(tmp_path / "unzipped")
    result = app.test_cli_runner().invoke(args=["courses", "check", str(tmp_path / "unzipped")])
    assert result.exit_code == 0 and "ok         sample" in result.output, result.output
    # Uploaded into a fresh installation (here: the course's rows and files gone), it comes back whole.
    db.session.execute(delete(Course).where(Course.id == course.id))
    db.session.commit()
    for key in list(current_storage().keys(f"course-assets/{course.id}/")):
        current_storage().delete(key)
    assert db.session.scalar(select(func.count()).select_from(CourseAsset)) == 0
    page = client.get("/author/upload").get_data(as_text=True)
    response = client.post("/author/upload", data={"csrf_token": csrf_token(page),
                                                   "file": (io.BytesIO(package), "sample.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-500:]
    fresh = db.session.scalar(select(Course).where(Course.slug == "sample"))
    after = {path: current_storage().get(a.storage_key) for path, a in assets_of(db, fresh).items()}
    assert after == before
    assert db.session.scalar(select(Lesson.body).where(Lesson.slug == "second")) == lesson_before
    assert assets_of(db, fresh)["basics/route.webp"].storage_key.startswith(f"course-assets/{fresh.id}/")


def test_a_changed_or_dropped_package_image_leaves_no_file_behind(client, auth, owner, course, db):
    package = client.get("/author/sample/package.zip").data
    files = {n: zipfile.ZipFile(io.BytesIO(package)).read(n) for n in zipfile.ZipFile(io.BytesIO(package)).namelist()}
    old_key = assets_of(db, course)["basics/pixel.png"].storage_key
    files["sample/01-basics/pixel.png"] = diagram(20, 20)
    changed = _zip(files)
    page = client.get("/author/upload").get_data(as_text=True)
    assert client.post("/author/upload", data={"csrf_token": csrf_token(page), "file": (io.BytesIO(changed), "s.zip")},
                       content_type="multipart/form-data").status_code == 302
    new_key = assets_of(db, course)["basics/pixel.png"].storage_key
    assert new_key != old_key and not current_storage().exists(old_key) and current_storage().exists(new_key)
    assert current_storage().get(new_key) == diagram(20, 20)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
