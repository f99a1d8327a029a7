"""Reading a printed member card back as a phone would: the QR code's link, decoded."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image
from pypdf import PdfReader


def qr_link(pdf: bytes) -> str:
    """The text of the QR code on the card's page (OpenCV's detector, not our encoder)."""
    [picture] = PdfReader(io.BytesIO(pdf)).pages[0].images
    image = Image.open(io.BytesIO(picture.data)).convert("L")
    pixels = np.array(image.resize((image.width * 2, image.height * 2), Image.Resampling.NEAREST))
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(pixels)
    assert text, "the card's QR code did not decode"
    return str(text)
