"""The edits a re-upload goes through, as named functions from one PIL image to another.

Uploaders and platforms resize, recompress, crop, pad, mirror, rotate, watermark and
screenshot images, and add captions and stickers. Tests, demos and benchmarks iterate
:data:`TRANSFORMS`, so a robustness figure always names the same edit everywhere. Every
function leaves its input untouched and returns a new image in mode ``RGB`` or ``L``.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

Transform = Callable[[Image.Image], Image.Image]

_BLACK = (0, 0, 0)


def _rgb(image: Image.Image) -> Image.Image:
    return image if image.mode == "RGB" else image.convert("RGB")


def _resize(scale: float) -> Transform:
    def resize(image: Image.Image) -> Image.Image:
        w, h = image.size
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        method = Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC
        return image.resize(size, method)

    return resize


def _jpeg(quality: int) -> Transform:
    def jpeg(image: Image.Image) -> Image.Image:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality)
        buffer.seek(0)
        with Image.open(buffer) as decoded:
            decoded.load()
            return decoded.copy()

    return jpeg


def _crop(percent: float, centred: bool) -> Transform:
    """Cut ``percent`` of the width and of the height: half from each side, or all top-left."""

    def crop(image: Image.Image) -> Image.Image:
        w, h = image.size
        dw, dh = round(w * percent / 100), round(h * percent / 100)
        left, top = (dw // 2, dh // 2) if centred else (dw, dh)
        right, bottom = (left + w - dw, top + h - dh)
        return image.crop((left, top, right, bottom))

    return crop


def _pad_to(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    canvas = Image.new(image.mode, size, 0 if image.mode == "L" else _BLACK)
    canvas.paste(image, ((size[0] - image.width) // 2, (size[1] - image.height) // 2))
    return canvas


def letterbox_16x9(image: Image.Image) -> Image.Image:
    """Black bars that make the frame 16:9, as a video or a landscape player would."""
    w, h = image.size
    if w * 9 >= h * 16:
        return _pad_to(image, (w, round(w * 9 / 16)))
    return _pad_to(image, (round(h * 16 / 9), h))


def border(image: Image.Image) -> Image.Image:
    """A black border, 5 % of the longer side, all round."""
    pad = round(max(image.size) * 0.05)
    return _pad_to(image, (image.width + 2 * pad, image.height + 2 * pad))


def flip_horizontal(image: Image.Image) -> Image.Image:
    """A mirror image."""
    return ImageOps.mirror(image)


def rotate_90(image: Image.Image) -> Image.Image:
    """A quarter turn anticlockwise."""
    return image.transpose(Image.Transpose.ROTATE_90)


def grayscale(image: Image.Image) -> Image.Image:
    """Colour removed."""
    return image.convert("L")


def watermark(image: Image.Image) -> Image.Image:
    """A semi-transparent text watermark across the middle and a handle in a corner."""
    base = image.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    w, h = base.size
    big = ImageFont.load_default(size=max(10, w // 12))
    text = "SAMPLE WATERMARK"
    left, top, right, bottom = draw.textbbox((0, 0), text, font=big)
    position = ((w - (right - left)) // 2, (h - (bottom - top)) // 2)
    draw.text(position, text, font=big, fill=(255, 255, 255, 110))
    small = ImageFont.load_default(size=max(8, w // 30))
    draw.text((w // 40, h - h // 12), "@uploader_2026", font=small, fill=(255, 255, 255, 160))
    return Image.alpha_composite(base, layer).convert("RGB")


def screenshot(image: Image.Image) -> Image.Image:
    """A phone screenshot: grey status bar, the photo fitted on black, grey navigation bar."""
    sw, sh = 720, 1560  # a 9:19.5 phone screen
    status_h, nav_h = 56, 96
    screen = Image.new("RGB", (sw, sh), _BLACK)
    draw = ImageDraw.Draw(screen)
    draw.rectangle((0, 0, sw, status_h), fill=(200, 200, 200))
    draw.text((24, 14), "9:41", font=ImageFont.load_default(size=28), fill=(20, 20, 20))
    draw.rectangle((sw - 80, 18, sw - 30, 38), outline=(20, 20, 20), width=3)
    draw.rectangle((sw - 76, 22, sw - 44, 34), fill=(20, 20, 20))
    draw.rectangle((0, sh - nav_h, sw, sh), fill=(200, 200, 200))
    mid = sh - nav_h // 2
    draw.polygon([(180, mid), (210, mid - 18), (210, mid + 18)], fill=(60, 60, 60))
    draw.ellipse((sw // 2 - 18, mid - 18, sw // 2 + 18, mid + 18), outline=(60, 60, 60), width=4)
    draw.rectangle((sw - 210, mid - 16, sw - 178, mid + 16), outline=(60, 60, 60), width=4)
    area_h = sh - status_h - nav_h
    scale = min(sw / image.width, area_h / image.height)
    fitted = _rgb(image).resize(
        (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
    )
    screen.paste(fitted, ((sw - fitted.width) // 2, status_h + (area_h - fitted.height) // 2))
    return screen


def _caption(top: bool) -> Transform:
    """A meme caption: a white band, 18 % of the height, with black text, above or below."""

    def caption(image: Image.Image) -> Image.Image:
        picture = _rgb(image)
        w, h = picture.size
        band = max(24, round(h * 0.18))
        canvas = Image.new("RGB", (w, h + band), (255, 255, 255))
        canvas.paste(picture, (0, band if top else 0))
        font = ImageFont.load_default(size=max(10, band // 3))
        y = band // 3 if top else h + band // 3
        ImageDraw.Draw(canvas).text((w // 10, y), "when you see it lol", fill=_BLACK, font=font)
        return canvas

    return caption


def sticker(image: Image.Image) -> Image.Image:
    """A smiley sticker, a quarter of the shorter side across, pasted right of centre."""
    out = _rgb(image).copy()
    w, h = out.size
    r = round(min(w, h) * 0.12)
    cx, cy = round(w * 0.68), round(h * 0.35)
    draw = ImageDraw.Draw(out)
    ink = (40, 30, 20)
    draw.ellipse(
        (cx - r, cy - r, cx + r, cy + r),
        fill=(255, 205, 40),
        outline=(120, 80, 0),
        width=max(1, r // 12),
    )
    e = max(2, r // 6)
    for ex in (cx - r // 2, cx + r // 2):
        draw.ellipse((ex - e, cy - r // 3 - e, ex + e, cy - r // 3 + e), fill=ink)
    mouth = (cx - r // 2, cy - r // 4, cx + r // 2, cy + r // 2)
    draw.arc(mouth, 20, 160, fill=ink, width=max(2, r // 8))
    return out


def _rotate(degrees: float) -> Transform:
    """A small turn anticlockwise, same frame size, black in the corners it uncovers."""

    def rotate(image: Image.Image) -> Image.Image:
        return _rgb(image).rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False)

    return rotate


def rotate_180(image: Image.Image) -> Image.Image:
    """Upside down."""
    return image.transpose(Image.Transpose.ROTATE_180)


def rotate_270(image: Image.Image) -> Image.Image:
    """A quarter turn clockwise."""
    return image.transpose(Image.Transpose.ROTATE_270)


def _brightness(factor: float) -> Transform:
    def brightness(image: Image.Image) -> Image.Image:
        return ImageEnhance.Brightness(image).enhance(factor)

    return brightness


def _contrast(factor: float) -> Transform:
    def contrast(image: Image.Image) -> Image.Image:
        return ImageEnhance.Contrast(image).enhance(factor)

    return contrast


def blur(image: Image.Image) -> Image.Image:
    """A Gaussian blur of radius 0.5 % of the longer side."""
    return image.filter(ImageFilter.GaussianBlur(max(1.0, max(image.size) * 0.005)))


TRANSFORMS: dict[str, Transform] = {
    "resize-25": _resize(0.25),
    "resize-50": _resize(0.5),
    "resize-200": _resize(2.0),
    "jpeg-20": _jpeg(20),
    "jpeg-30": _jpeg(30),
    "jpeg-50": _jpeg(50),
    "jpeg-95": _jpeg(95),
    "crop-2": _crop(2, centred=True),
    "crop-5": _crop(5, centred=True),
    "crop-10": _crop(10, centred=True),
    "crop-25": _crop(25, centred=True),
    "crop-2-corner": _crop(2, centred=False),
    "crop-5-corner": _crop(5, centred=False),
    "crop-10-corner": _crop(10, centred=False),
    "crop-25-corner": _crop(25, centred=False),
    "letterbox-16x9": letterbox_16x9,
    "border": border,
    "flip": flip_horizontal,
    "rotate-90": rotate_90,
    "rotate-180": rotate_180,
    "rotate-270": rotate_270,
    "rotate-5": _rotate(5),
    "rotate-minus-5": _rotate(-5),
    "grayscale": grayscale,
    "watermark": watermark,
    "screenshot": screenshot,
    "caption-top": _caption(top=True),
    "caption-bottom": _caption(top=False),
    "sticker": sticker,
    "brighter": _brightness(1.3),
    "darker": _brightness(0.7),
    "contrast-up": _contrast(1.5),
    "contrast-down": _contrast(0.6),
    "blur": blur,
}
"""Every transform by its stable name; the order is the order reports print."""
