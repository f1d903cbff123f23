#!/usr/bin/python3
"""Makes the decoder fixtures and their Pillow 9.4 reference values.

Run with Debian bookworm's python3 (3.11.2) and python3-pil (Pillow 9.4.0), plus the Debian packages imagemagick
(6.9.11), webp (cwebp 1.2.4) and libjpeg-turbo-progs (cjpeg 2.1.5):  python3 make_fixtures.py OUT_DIR
Writes the fixtures, manifest.json (per fixture: Pillow's mode, size and the SHA-256 of Image.open(f).convert('RGB')),
and for fixtures a Java decoder may only approximate, <name>.pillow-rgb.png holding Pillow's RGB losslessly.
"""
import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
from PIL import Image, ImageCms

OUT = sys.argv[1]
W, H = 37, 29
rng = np.random.default_rng(20240607)


def content(w=W, h=H):
    """Deterministic RGB test content: gradients, a hard edge and noise."""
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 255 // (w - 1))
    g = (y * 255 // (h - 1))
    b = ((x + y) * 7) % 256
    img = np.stack([r, g, b], -1).astype(np.int32)
    img[h // 3: h // 2, w // 4: w // 2] = (250, 20, 30)
    img += rng.integers(-25, 26, size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


RGB = content()
ALPHA = ((np.mgrid[0:H, 0:W][1] * 9) % 256).astype(np.uint8)
ALPHA[:, :4] = 0  # fully transparent columns keep their colour in the file


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def write_png(name, w, h, depth, ctype, rows, plte=None, trns=None, extra=()):
    """Writes a PNG with exactly the given IHDR, PLTE, tRNS and unfiltered packed rows."""
    raw = b"".join(b"\x00" + r for r in rows)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
    for c in extra:
        data += c
    if plte is not None:
        data += chunk(b"PLTE", bytes(plte))
    if trns is not None:
        data += chunk(b"tRNS", bytes(trns))
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def pack(values, depth):
    """Packs one row of sample values (ints) at the given bit depth, big-endian, MSB first."""
    if depth == 16:
        return b"".join(struct.pack(">H", int(v)) for v in values)
    if depth == 8:
        return bytes(int(v) for v in values)
    per = 8 // depth
    out = bytearray()
    for i in range(0, len(values), per):
        byte = 0
        group = list(values[i:i + per]) + [0] * (per - len(values[i:i + per]))
        for v in group:
            byte = (byte << depth) | int(v)
        out.append(byte)
    return bytes(out)


def rows_of(arr, depth):
    return [pack(arr[yy].reshape(-1), depth) for yy in range(arr.shape[0])]


gray8 = (RGB.astype(np.int32) @ np.array([299, 587, 114]) // 1000).astype(np.uint16)
noise16 = rng.integers(0, 256, size=RGB.shape).astype(np.uint16)
rgb16 = RGB.astype(np.uint16) * 256 + noise16
gray16 = gray8 * 256 + noise16[..., 0]
gray16_low = (gray8 + noise16[..., 1]).astype(np.uint16)  # mostly below 512: shows Pillow's I -> RGB clipping
alpha16 = ALPHA.astype(np.uint16) * 257
index = ((np.mgrid[0:H, 0:W][1] + np.mgrid[0:H, 0:W][0] * 3) % 256).astype(np.uint16)
palette256 = [int(v) for v in rng.integers(0, 256, size=768)]

write_png("png_gray1.png", W, H, 1, 0, rows_of(gray8 >> 7, 1))
write_png("png_gray2.png", W, H, 2, 0, rows_of(gray8 >> 6, 2))
write_png("png_gray4.png", W, H, 4, 0, rows_of(gray8 >> 4, 4))
write_png("png_gray8.png", W, H, 8, 0, rows_of(gray8, 8))
write_png("png_gray8_trns.png", W, H, 8, 0, rows_of(gray8, 8), trns=struct.pack(">H", int(gray8[0, 0])))
write_png("png_gray16.png", W, H, 16, 0, rows_of(gray16, 16))
write_png("png_gray16_low.png", W, H, 16, 0, rows_of(gray16_low, 16))
write_png("png_rgb8.png", W, H, 8, 2, rows_of(RGB, 8))
write_png("png_rgb8_trns.png", W, H, 8, 2, rows_of(RGB, 8), trns=struct.pack(">HHH", *[int(v) for v in RGB[0, 0]]))
write_png("png_rgb8_gamma_srgb.png", W, H, 8, 2, rows_of(RGB, 8),
          extra=[chunk(b"gAMA", struct.pack(">I", 100000)), chunk(b"cHRM", struct.pack(">8I", *[31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000]))])
write_png("png_rgb16.png", W, H, 16, 2, rows_of(rgb16, 16))
write_png("png_gray_alpha8.png", W, H, 8, 4, rows_of(np.stack([gray8, ALPHA], -1), 8))
write_png("png_gray_alpha16.png", W, H, 16, 4, rows_of(np.stack([gray16, alpha16], -1), 16))
write_png("png_rgba8.png", W, H, 8, 6, rows_of(np.concatenate([RGB, ALPHA[..., None]], -1), 8))
write_png("png_rgba16.png", W, H, 16, 6, rows_of(np.concatenate([rgb16, alpha16[..., None]], -1), 16))
write_png("png_palette1.png", W, H, 1, 3, rows_of(index % 2, 1), plte=palette256[:6])
write_png("png_palette2.png", W, H, 2, 3, rows_of(index % 4, 2), plte=palette256[:12])
write_png("png_palette4.png", W, H, 4, 3, rows_of(index % 16, 4), plte=palette256[:48])
write_png("png_palette8.png", W, H, 8, 3, rows_of(index, 8), plte=palette256)
write_png("png_palette8_trns.png", W, H, 8, 3, rows_of(index, 8), plte=palette256,
          trns=[0, 128] + [255] * 10 + [0] * 20)
write_png("png_palette8_short.png", W, H, 8, 3, rows_of(index, 8), plte=palette256[:300])  # indices >= 100 too
# Interlaced (Adam7) RGB written by ImageMagick from the plain RGB file.
subprocess.run(["/usr/bin/convert", os.path.join(OUT, "png_rgb8.png"), "-interlace", "PNG",
                "-define", "png:exclude-chunks=date,time", os.path.join(OUT, "png_rgb8_interlaced.png")], check=True)

# JPEG: Pillow's encoder (libjpeg-turbo 2.1.5), cjpeg and ImageMagick.
rgb_im = Image.fromarray(RGB, "RGB")
rgb_im.save(os.path.join(OUT, "jpeg_420.jpg"), quality=90, subsampling=2)
rgb_im.save(os.path.join(OUT, "jpeg_422.jpg"), quality=90, subsampling=1)
rgb_im.save(os.path.join(OUT, "jpeg_444.jpg"), quality=90, subsampling=0)
rgb_im.save(os.path.join(OUT, "jpeg_progressive.jpg"), quality=85, progressive=True)
rgb_im.save(os.path.join(OUT, "jpeg_restart.jpg"), quality=85, restart_marker_blocks=2)
rgb_im.save(os.path.join(OUT, "jpeg_icc.jpg"), quality=90, icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes())
exif = Image.Exif()
exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display; Image.open ignores it
rgb_im.save(os.path.join(OUT, "jpeg_exif_orientation6.jpg"), quality=90, exif=exif.tobytes())
Image.fromarray(gray8.astype(np.uint8), "L").save(os.path.join(OUT, "jpeg_gray.jpg"), quality=90)
rgb_im.convert("CMYK").save(os.path.join(OUT, "jpeg_cmyk_adobe.jpg"), quality=90)
subprocess.run(["/usr/bin/convert", os.path.join(OUT, "png_rgb8.png"), "-colorspace", "CMYK", "-quality", "90",
                os.path.join(OUT, "jpeg_ycck_adobe.jpg")], check=True)
ppm = os.path.join(OUT, "tmp.ppm")
rgb_im.save(ppm)
subprocess.run(["cjpeg", "-rgb", "-quality", "90", "-outfile", os.path.join(OUT, "jpeg_rgb_stored.jpg"), ppm], check=True)
subprocess.run(["cjpeg", "-sample", "1x2", "-quality", "90", "-outfile", os.path.join(OUT, "jpeg_440.jpg"), ppm], check=True)
subprocess.run(["cjpeg", "-sample", "4x1", "-quality", "90", "-outfile", os.path.join(OUT, "jpeg_411.jpg"), ppm], check=True)
subprocess.run(["cjpeg", "-arithmetic", "-quality", "90", "-outfile", os.path.join(OUT, "jpeg_arithmetic.jpg"), ppm],
               check=True)
os.remove(ppm)

# BMP: Pillow and ImageMagick.
rgb_im.save(os.path.join(OUT, "bmp_rgb24.bmp"))
Image.fromarray(gray8.astype(np.uint8), "L").save(os.path.join(OUT, "bmp_gray8.bmp"))
Image.fromarray((gray8 > 127).astype(np.uint8) * 255, "L").convert("1").save(os.path.join(OUT, "bmp_1bit.bmp"))
pal_im = Image.fromarray(index.astype(np.uint8), "P")
pal_im.putpalette(palette256)
pal_im.save(os.path.join(OUT, "bmp_palette8.bmp"))
png_rgb = os.path.join(OUT, "png_rgb8.png")
for name, args in [("bmp_palette4.bmp", ["-colors", "16", "-type", "Palette", "BMP3:"]),
                   ("bmp_rle8.bmp", ["-colors", "200", "-type", "Palette", "-compress", "RLE", "BMP3:"]),
                   ("bmp_rgb565.bmp", ["-define", "bmp:subtype=RGB565", "BMP:"]),
                   ("bmp_rgb555.bmp", ["-define", "bmp:subtype=RGB555", "BMP:"]),
                   ("bmp_rgba32.bmp", ["-alpha", "on", "-channel", "A", "-fx", "i/w", "+channel", "BMP:"])]:
    target = args[-1] + os.path.join(OUT, name)
    subprocess.run(["/usr/bin/convert", png_rgb] + args[:-1] + [target], check=True)

# GIF: Pillow and ImageMagick (frame offset inside a larger logical screen, two frames).
pal_im.save(os.path.join(OUT, "gif_palette.gif"))
pal_im.save(os.path.join(OUT, "gif_transparent.gif"), transparency=5)
rgb_im.quantize(64).save(os.path.join(OUT, "gif_interlaced.gif"), interlace=True)
subprocess.run(["/usr/bin/convert", png_rgb, "-colors", "32", "-repage", "50x40+7+5",
                os.path.join(OUT, "gif_offset.gif")], check=True)
subprocess.run(["/usr/bin/convert", "-delay", "10", png_rgb, "-colors", "32",
                "(", png_rgb, "-negate", "-colors", "32", ")", os.path.join(OUT, "gif_animated.gif")], check=True)

# WebP: cwebp 1.2.4.
rgba_png = os.path.join(OUT, "png_rgba8.png")
for name, args, src in [("webp_lossless.webp", ["-lossless", "-exact"], png_rgb),
                        ("webp_lossless_alpha.webp", ["-lossless", "-exact"], rgba_png),
                        ("webp_lossy.webp", ["-q", "80"], png_rgb),
                        ("webp_lossy_alpha.webp", ["-q", "80", "-exact"], rgba_png)]:
    subprocess.run(["cwebp", "-quiet"] + args + [src, "-o", os.path.join(OUT, name)], check=True)
# A natural photo for the lossy WebP bound: the golden Grace Hopper portrait (../), halved.
photo = os.path.join(OUT, "tmp_photo.png")
Image.open(os.path.join(OUT, "..", "portrait_grace_hopper_512x600.jpg")).convert("RGB").resize((256, 300)).save(photo)
subprocess.run(["cwebp", "-quiet", "-q", "80", photo, "-o", os.path.join(OUT, "webp_lossy_photo.webp")], check=True)
os.remove(photo)

manifest = {}
for name in sorted(os.listdir(OUT)):
    if name.endswith((".json", ".py")) or ".pillow-rgb." in name:
        continue
    with Image.open(os.path.join(OUT, name)) as im:
        mode = im.mode
        rgb = im.convert("RGB")
        manifest[name] = {"pillow_mode": mode, "width": rgb.width, "height": rgb.height,
                          "sha256_rgb": hashlib.sha256(rgb.tobytes()).hexdigest()}
        if name.startswith("webp_lossy"):
            rgb.save(os.path.join(OUT, name.rsplit(".", 1)[0] + ".pillow-rgb.png"))
with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump({"generator": "make_fixtures.py", "pillow": Image.__version__, "fixtures": manifest}, f, indent=1)
