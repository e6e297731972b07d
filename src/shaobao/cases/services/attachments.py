"""Photos attached to cases: checked by content (not by name) and size."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile

from shaobao.cases.models import Attachment, Case
from shaobao.cases.selectors import case_get_for
from shaobao.core.errors import Forbidden, InvalidInput
from shaobao.core.rules import product_rule
from shaobao.org.models import Role, User

# Magic numbers of the image formats phones produce; the file name proves nothing.
SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg", "jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
              (b"GIF87a", "image/gif", "gif"), (b"GIF89a", "image/gif", "gif"))
STAGES = ("report", "handle", "verify")
MAX_PER_CASE = 20


def sniff_image(head: bytes) -> tuple[str, str] | None:
    for magic, mime, ext in SIGNATURES:
        if head.startswith(magic):
            return mime, ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def attachment_add(actor: User, *, number: str, upload: UploadedFile,
                   stage: str = "report") -> Attachment:
    case: Case = case_get_for(actor, number)
    if actor.role in (Role.RESIDENT, Role.UNIT_LEADER) and case.reporter_id != actor.id:
        raise Forbidden("只能给自己上报的案件添加照片")
    if stage not in STAGES:
        raise InvalidInput(f"阶段必须是 {'/'.join(STAGES)} 之一", code="bad_stage")
    limit = product_rule("MAX_PHOTO_BYTES")
    if upload.size is None or upload.size > limit:
        raise InvalidInput(f"照片不能超过 {limit // (1024 * 1024)} MB", code="file_too_large")
    if upload.size == 0:
        raise InvalidInput("照片文件为空", code="empty_file")
    data = upload.read()
    kind = sniff_image(data[:16])
    if kind is None:
        raise InvalidInput("只接受 JPEG、PNG、WebP 或 GIF 格式的照片", code="not_an_image")
    if case.attachments.count() >= MAX_PER_CASE:
        raise InvalidInput(f"每个案件最多 {MAX_PER_CASE} 张照片", code="too_many_files")
    mime, ext = kind
    digest = hashlib.sha256(data).hexdigest()
    attachment = Attachment(case=case, content_type=mime, size=len(data), sha256=digest,
                            uploaded_by=actor, stage=stage)
    attachment.file.save(f"{case.number}-{digest[:12]}.{ext}", ContentFile(data), save=False)
    attachment.save()
    return attachment
