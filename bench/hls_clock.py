#!/usr/bin/env python3
"""A strip of wall-clock barcode frames for the LL-HLS latency benchmark
(bench/hls.sh, bench/hls_latency.mjs).

Writes raw yuv420p frames of 1280×48 to stdout as fast as the reader takes
them (FFmpeg reads its input with -re, at the frame rate; a frame is larger
than the pipe's buffer, so it is made when FFmpeg is ready for it): each
frame carries, as 40 cells 32 pixels wide (white =
1, black = 0), the low 32 bits of the Unix time in milliseconds at which it
was written, then 8 check bits (the XOR of those four bytes). FFmpeg
overlays the strip on the top of its camera picture, encodes and publishes
it; the browser reads the cells back off the frame it presents and
subtracts the stamp from its own clock (the same machine's): publish →
shown, with the encoder's own delay counted against us.

  bench/hls_clock.py | ffmpeg -re -f rawvideo -pix_fmt yuv420p -s 1280x48 -r 25 -i - …"""

import sys
import time

kWidth, kHeight, kCells = 1280, 48, 40
kCell = kWidth // kCells


def frame(stamp):
    value = stamp & 0xFFFFFFFF
    check = (value ^ (value >> 8) ^ (value >> 16) ^ (value >> 24)) & 0xFF
    bits = [(value >> (31 - i)) & 1 for i in range(32)] + [(check >> (7 - i)) & 1 for i in range(8)]
    row = b"".join((b"\xeb" if b else b"\x10") * kCell for b in bits)
    chroma = b"\x80" * (kWidth // 2 * kHeight // 2)
    return row * kHeight + chroma + chroma


def main():
    out = sys.stdout.buffer
    try:
        while True:
            out.write(frame(int(time.time() * 1000)))
            out.flush()
    except (BrokenPipeError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
