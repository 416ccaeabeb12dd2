"""Files an applicant uploaded before a case needs them (the application, or the answer to a
补正告知): taken once, by their owner only, into a case's attachments."""
import sqlalchemy as sa

from engine import history
from engine.errors import InvalidInput
from engine.models import ApplicationUpload, Attachment, utcnow

MAX_FILES = 100


def take(session, owner, ids):
    """The owner's unused uploads with these ids, or InvalidInput naming the ones that are not."""
    if not isinstance(ids, list) or not all(type(u) is int for u in ids) or len(ids) > MAX_FILES:
        raise InvalidInput("材料文件应为上传后得到的编号列表", details={"uploads": "应为整数列表"})
    wanted = list(dict.fromkeys(ids))
    rows = session.scalars(sa.select(ApplicationUpload).where(
        ApplicationUpload.id.in_(wanted), ApplicationUpload.owner == owner)).all() if wanted else []
    missing = sorted(set(wanted) - {r.id for r in rows})
    if missing:
        raise InvalidInput("材料文件不存在或已使用，请重新上传", details={"uploads": missing})
    return rows


def attach(session, upload, cases):
    """The file becomes an attachment of each case (trail: attachment_added) and the upload is used up."""
    attached = []
    for case in cases:
        row = Attachment(case_id=case.id, name=upload.name, content_type=upload.content_type, size=upload.size,
                         sha256=upload.sha256, storage_key=upload.storage_key, uploaded_by=upload.owner,
                         uploaded_at=utcnow())
        session.add(row)
        session.flush()
        history.append(session, case, history.ATTACHMENT_ADDED, actor=upload.owner, data={
            "attachment_id": row.id, "name": row.name, "size": row.size, "sha256": row.sha256,
            "material": upload.material})
        attached.append(row)
    session.delete(upload)  # the attachment rows now hold the file; a used upload cannot be taken twice
    return attached
