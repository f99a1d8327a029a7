"""Reading a printed member card back as a phone would: the QR code's link, decoded."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image, ImageOps
from pypdf import PdfReader


def qr_link(pdf: bytes) -> str:
    """The text of the QR code on the card's page, decoded by OpenCV (not our encoder).

    The picture is set in white as on the card; OpenCV's two detectors are tried in turn,
    since each misses a few codes the other reads.
    """
    [picture] = PdfReader(io.BytesIO(pdf)).pages[0].images
    image = ImageOps.expand(Image.open(io.BytesIO(picture.data)).convert("L"), 64, fill=255)
    pixels = np.array(image)
    for detector in (cv2.QRCodeDetectorAruco(), cv2.QRCodeDetector()):
        text, _, _ = detector.detectAndDecode(pixels)
        if text:
            return str(text)
    raise AssertionError("the card's QR code did not decode")
