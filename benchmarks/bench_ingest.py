"""Ingest speed per format on synthetic focus-group transcripts of growing size.

Run: python benchmarks/bench_ingest.py  (prints words per second and turns for each format)
"""

from __future__ import annotations

import io
import random
import tempfile
import time
from pathlib import Path

from fgkit.ingest import read_transcript

SPEAKERS = ["Priya Shah", "Okafor, Daniel", "Beth Morgan", "Ann Lee (SL)", "Sam's iPad"]
SENTENCES = [
    "The pressure never stops.",
    "There's no time to reflect, just an endless cycle of cases [laughs].",
    "I don't feel I have any say in what's allocated to me.",
    "It just appears in my tray (.) every Monday.",
    "Judgement is contextual and risk is relational [inaudible 00:12:34].",
]


def utterances(n: int, seed: int = 7):
    rng = random.Random(seed)
    for i in range(n):
        yield i, rng.choice(SPEAKERS), " ".join(rng.choices(SENTENCES, k=3))


def clock(seconds: float) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{int(h):02d}:{int(m):02d}:{s:06.3f}"


def otter_clock(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def make(fmt: str, n: int) -> tuple[str, bytes]:
    if fmt == "teams_vtt":
        cues = [f"guid-{i:08d}/{i}-0\n{clock(i * 4)} --> {clock(i * 4 + 3.5)}\n<v {who}>{text}</v>\n"
                for i, who, text in utterances(n)]
        return ".vtt", ("WEBVTT\n\n" + "\n".join(cues)).encode()
    if fmt == "srt":
        cues = [f"{i + 1}\n{clock(i * 4).replace('.', ',')} --> {clock(i * 4 + 3.5).replace('.', ',')}\n"
                f"{who}: {text}\n" for i, who, text in utterances(n)]
        return ".srt", "\n".join(cues).encode()
    if fmt == "otter":
        return ".txt", "\n".join(f"{who}  {otter_clock(i * 4)}\n{text}\n"
                                 for i, who, text in utterances(n)).encode()
    if fmt == "typed":
        return ".txt", "\n".join(f"P{i % 7}: {text}\n" for i, _, text in utterances(n)).encode()
    if fmt == "csv":
        rows = ["speaker,text,start"] + [f'"{who}","{text}",{i * 4}' for i, who, text in utterances(n)]
        return ".csv", "\n".join(rows).encode()
    import docx

    document = docx.Document()
    for _, who, text in utterances(n):
        document.add_paragraph(f"{who}: {text}")
    buffer = io.BytesIO()
    document.save(buffer)
    return ".docx", buffer.getvalue()


def main() -> None:
    print(f"{'format':<10} {'utterances':>10} {'turns':>7} {'words':>8} {'seconds':>8} {'words/s':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("teams_vtt", "srt", "otter", "typed", "csv", "docx"):
            for n in (1_000, 10_000):
                suffix, data = make(fmt, n)
                path = Path(tmp) / f"bench{suffix}"
                path.write_bytes(data)
                t0 = time.perf_counter()
                transcript = read_transcript(path)
                elapsed = time.perf_counter() - t0
                print(f"{fmt:<10} {n:>10} {len(transcript.turns):>7} {transcript.words:>8} "
                      f"{elapsed:>8.2f} {transcript.words / elapsed:>10,.0f}")


if __name__ == "__main__":
    main()
