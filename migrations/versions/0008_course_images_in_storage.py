"""course images move from the database into the platform's file storage

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:00:00

The bytes of each course image (course_assets.data) move to the storage the settings name
(lms.core.storage: the LMS_STORAGE_DIR directory, or the LMS_STORAGE_URL bucket) under
course-assets/<course id>/<sha256>. The row keeps that key, the size in bytes, and the width and
height read from the image's header (NULL for SVG). Rows are read one at a time, so memory holds one
image, whatever the number of courses.

The downgrade copies the bytes back from the storage into the data column, and refuses, changing
nothing, when a file is missing. Neither direction deletes a file from the storage: a migration that
fails is rolled back, a deleted file would stay deleted; the files left behind by a downgrade are
named again by the next upgrade (same content, same key).

The storage API (put, get, exists) and the image header reader come from lms.core, which knows no
feature and keeps those functions stable; the key's form is written out here, as it was at this
revision.
"""
import hashlib

import sqlalchemy as sa
from alembic import op

from lms.core.images import dimensions
from lms.core.storage import current_storage

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _key(course_id: int, sha256: str) -> str:
    return f"course-assets/{course_id}/{sha256}"


def upgrade():
    with op.batch_alter_table('course_assets', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('storage_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('width', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('height', sa.Integer(), nullable=True))
    bind = op.get_bind()
    storage = current_storage()
    ids = bind.execute(sa.text("SELECT id FROM course_assets ORDER BY id")).scalars().all()
    for asset_id in ids:
        course_id, mime_type, data = bind.execute(sa.text(
            "SELECT course_id, mime_type, data FROM course_assets WHERE id = :id"), {"id": asset_id}).one()
        data = bytes(data)
        digest = hashlib.sha256(data).hexdigest()  # recomputed: the bytes are what is stored
        key = _key(course_id, digest)
        storage.put(key, data, content_type=mime_type)
        size = dimensions(data)
        bind.execute(sa.text(
            "UPDATE course_assets SET storage_key = :key, size = :size, sha256 = :sha256, width = :width, "
            "height = :height WHERE id = :id"),
            {"key": key, "size": len(data), "sha256": digest, "width": size[0] if size else None,
             "height": size[1] if size else None, "id": asset_id})
    with op.batch_alter_table('course_assets', schema=None) as batch_op:
        batch_op.alter_column('storage_key', existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column('size', existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(op.f('ck_course_assets_size_not_negative'), 'size >= 0')
        batch_op.create_check_constraint(
            op.f('ck_course_assets_dimensions_positive'),
            '(width IS NULL AND height IS NULL) OR (width > 0 AND height > 0)')
        batch_op.drop_column('data')


def downgrade():
    bind = op.get_bind()
    storage = current_storage()
    rows = bind.execute(sa.text("SELECT id, path, storage_key FROM course_assets ORDER BY id")).all()
    missing = [f"{path} ({key})" for _id, path, key in rows if not storage.exists(key)]
    if missing:
        raise RuntimeError(
            f"cannot move the course images back into the database: {len(missing)} file(s) are missing from "
            f"{storage.describe()}: {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}. "
            "Restore the storage from its backup first; nothing was changed.")
    with op.batch_alter_table('course_assets', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('data', sa.LargeBinary(), nullable=True))
    for asset_id, _path, key in rows:
        bind.execute(sa.text("UPDATE course_assets SET data = :data WHERE id = :id"),
                     {"data": storage.get(key), "id": asset_id})
    with op.batch_alter_table('course_assets', schema=None) as batch_op:
        batch_op.alter_column('data', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_constraint(op.f('ck_course_assets_dimensions_positive'), type_='check')
        batch_op.drop_constraint(op.f('ck_course_assets_size_not_negative'), type_='check')
        batch_op.drop_column('height')
        batch_op.drop_column('width')
        batch_op.drop_column('size')
        batch_op.drop_column('storage_key')
