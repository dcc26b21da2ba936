"""The picture of a round official seal (公章式样), as PNG: a red ring, a five-pointed star in the
centre, the organisation's name along the upper arc and the seal's purpose under the star. The
characters are drawn with the platform's CJK font (``kit.pdf.cjk_font``), so no picture file is
shipped or fetched. Used as the picture of the GB/T 38540 electronic seal (``kit.ses``)."""
from __future__ import annotations

import io
import math

from xinyong.kit.pdf import cjk_font

RED = (212, 0, 0, 255)
PIXELS_PER_MM = 12
ARC_DEGREES = 250          # how much of the ring the name takes, centred on the top


def picture(name: str, purpose: str, diameter_mm: int) -> bytes:
    """PNG bytes of the seal, ``diameter_mm`` across at 12 pixels per millimetre."""
    from PIL import Image, ImageDraw, ImageFont

    size = diameter_mm * PIXELS_PER_MM
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ring = max(size // 30, 2)
    draw.ellipse([ring // 2, ring // 2, size - ring // 2 - 1, size - ring // 2 - 1], outline=RED, width=ring)
    centre = size / 2
    outer, inner = size * 0.17, size * 0.17 * 0.382
    draw.polygon([(centre + (outer if i % 2 == 0 else inner) * math.sin(i * math.pi / 5),
                   centre - (outer if i % 2 == 0 else inner) * math.cos(i * math.pi / 5)) for i in range(10)], fill=RED)
    path, index = cjk_font()
    if name:
        glyph_size = min(int(size * 0.11), int(math.radians(ARC_DEGREES) * size * 0.36 / len(name)))
        font = ImageFont.truetype(path, glyph_size, index=index)
        radius = size / 2 - ring - glyph_size * 0.75
        for i, char in enumerate(name):
            angle = -ARC_DEGREES / 2 + ARC_DEGREES * (i + 0.5) / len(name)
            tile = Image.new("RGBA", (glyph_size * 2, glyph_size * 2), (0, 0, 0, 0))
            ImageDraw.Draw(tile).text((glyph_size, glyph_size), char, font=font, fill=RED, anchor="mm")
            tile = tile.rotate(-angle, resample=Image.BICUBIC)
            x = centre + radius * math.sin(math.radians(angle)) - glyph_size
            y = centre - radius * math.cos(math.radians(angle)) - glyph_size
            image.alpha_composite(tile, (round(x), round(y)))
    if purpose:
        font = ImageFont.truetype(path, min(int(size * 0.085), int(size * 0.6 / len(purpose))), index=index)
        draw.text((centre, centre + size * 0.29), purpose, font=font, fill=RED, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
