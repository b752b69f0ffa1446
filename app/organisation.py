"""The organisation as letters and layouts print it: its postal address and
its logo. Receipts read them from here (modules/pipeline/receipts), and so
will campaign layouts; Admin → Organisation sets them.

A logo is accepted only as PNG or JPEG, at most 1 MB and 4,000 × 4,000
pixels, opened and checked by Pillow, then re-encoded as a PNG at most
1,200 × 600: what is stored is pixels Steward wrote, never the uploaded
bytes (no metadata, no trailing payload). SVG is refused: it can carry
scripts and external references. The file lives under the instance folder
(`instance/organisation/`), named by its content's hash, and its name is the
core setting `logo`."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

from flask import current_app

from app import settings

MAX_BYTES = 1024 * 1024
MAX_PIXELS = 4000 * 4000
FORMATS = {"PNG", "JPEG"}
STORED_SIZE = (1200, 600)


class LogoRefused(ValueError):
    """Why an upload is not taken, in words for the person who sent it."""


def folder() -> Path:
    return Path(current_app.instance_path) / "organisation"


def address_lines() -> list[str]:
    text = settings.get("core", "postal_address") or ""
    return [line.strip() for line in text.splitlines() if line.strip()]


def clean_address(text: str | None) -> str:
    return "\n".join(line.strip() for line in (text or "").splitlines() if line.strip())


def read_logo(stream) -> bytes:
    """The upload in `stream` as PNG bytes, or LogoRefused."""
    from PIL import Image, UnidentifiedImageError

    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise LogoRefused("The logo is larger than 1 MB. Upload a smaller PNG or JPEG.")
    if not data:
        raise LogoRefused("The file is empty.")
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
        raise LogoRefused("SVG logos are not accepted: they can carry scripts. Upload a PNG or JPEG.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind, (width, height) = probe.format, probe.size
            probe.verify()
        if kind not in FORMATS:
            raise LogoRefused(f"A {kind} image is not accepted. Upload a PNG or JPEG.")
        if width * height > MAX_PIXELS:
            raise LogoRefused(f"The logo is {width} × {height} pixels; at most 4,000 × 4,000 are accepted.")
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = image.convert("RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB")
            image.thumbnail(STORED_SIZE)
            out = io.BytesIO()
            image.save(out, "PNG", optimize=True)
    except LogoRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise LogoRefused("This file is not a PNG or JPEG image Steward can read.") from error
    return out.getvalue()


def save_logo(png: bytes) -> dict:
    """Store `png` as the logo; returns the settings change."""
    name = f"logo-{hashlib.sha256(png).hexdigest()[:16]}.png"
    folder().mkdir(parents=True, exist_ok=True)
    target = folder() / name
    if not target.exists():
        partial = target.with_suffix(".part")
        partial.write_bytes(png)
        partial.replace(target)
    return settings.put("core", {"logo": name})


def remove_logo() -> dict:
    return settings.put("core", {"logo": ""})


def prune_logos() -> int:
    """Delete the logo files no longer in use; called after the commit that
    replaced or removed one, so a rolled-back save never loses the file."""
    keep = settings.get("core", "logo") or ""
    gone = 0
    for path in folder().glob("logo-*.png") if folder().is_dir() else ():
        if path.name != keep:
            path.unlink(missing_ok=True)
            gone += 1
    return gone


def logo_path() -> Path | None:
    name = settings.get("core", "logo") or ""
    path = folder() / name
    return path if name and "/" not in name and path.is_file() else None


def logo_data_uri() -> str:
    """The logo as a data: URL (letters are rendered by WeasyPrint, which
    may fetch nothing else), or "" without one."""
    path = logo_path()
    return f"data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}" if path else ""


def logo_url() -> str:
    """An absolute address of the logo on BASE_URL, for email: mail clients
    such as Gmail show no data: images. The file name (a hash of the image)
    is in the query, so a new logo is a new address and caches stay right."""
    from app.links import external_url

    name = settings.get("core", "logo") or ""
    return external_url("organisation_logo.logo", v=name.removeprefix("logo-").removesuffix(".png")) \
        if logo_path() else ""
