"""The image formats redstar accepts, their MIME types, and ``data:`` URLs for OpenAI-style content parts.

Only formats vision-language models and ``datasets`` commonly read are accepted; Pillow is told to try only
these, so a file never reaches one of Pillow's riskier or external-program plugins (EPS runs Ghostscript).
"""

from __future__ import annotations

import base64

# Pillow format name -> MIME type. MPO is how Pillow names a JPEG with a second (preview) picture.
MIME = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "BMP": "image/bmp",
    "TIFF": "image/tiff",
}
PILLOW_FORMATS: tuple[str, ...] = tuple(MIME)


def mime_type(fmt: str) -> str:
    """The MIME type of a stored format (``'png'`` -> ``'image/png'``); unknown ones get ``image/<fmt>``."""
    return MIME.get(fmt.upper(), f"image/{fmt.lower()}")


def image_data_url(blob: bytes, fmt: str) -> str:
    """``data:image/png;base64,...``: how OpenAI-compatible servers take an image inline (``image_url``)."""
    return f"data:{mime_type(fmt)};base64,{base64.b64encode(blob).decode('ascii')}"
