"""Images in the catalog: content-addressed bytes (sha256), checked with Pillow before they are stored.

``store`` puts and gets image bytes in the catalog's ``images`` table, ``validate`` decides what is an
image redstar accepts, ``formats`` names the accepted formats and builds data URLs. See docs/images.md.
"""

from typing import Any

from redstar_data.images.formats import image_data_url, mime_type
from redstar_data.images.validate import BadImage, ImageInfo, check_image, image_id

__all__ = [
    "BadImage",
    "ImageInfo",
    "check_image",
    "get_images",
    "image_data_url",
    "image_id",
    "mime_type",
    "put_images",
]


def __getattr__(name: str) -> Any:
    # ``store`` (DuckDB, pyarrow) loads on first use: ``validate`` alone is what ingest's image-check
    # process imports, and it starts in a tenth of the time without them
    if name in ("get_images", "put_images"):
        from redstar_data.images import store

        return getattr(store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
