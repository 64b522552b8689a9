"""Images in the catalog: content-addressed bytes (sha256), checked with Pillow before they are stored.

``store`` puts and gets image bytes in the catalog's ``images`` table, ``validate`` decides what is an
image redstar accepts, ``formats`` names the accepted formats and builds data URLs. See docs/images.md.
"""

from redstar_data.images.formats import image_data_url, mime_type
from redstar_data.images.store import get_images, put_images
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
