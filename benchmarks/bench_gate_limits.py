"""How fast the leak gate refuses a bomb in reports/, and how fast it reads ordinary text.

Issue 14: a bomb in reports/ made `fgkit check` take 170 s and 1.2 GB; the target is a refusal
within about a second. Each case is built here (nothing is downloaded), written to a temporary
reports/ folder and scanned by ``leakfiles.scan_file`` with a gate holding a few invented values.

    python benchmarks/bench_gate_limits.py            # prints one line per case
    python benchmarks/bench_gate_limits.py --json

The inputs are constructed, not study material: no tuning or held-out set is involved.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

from fgkit.pseudonymise.leakfiles import scan_file
from fgkit.pseudonymise.leakgate import Gate, LeakValues

MiB = 1024 * 1024


def _zip(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def _pdf_bomb(inflated: int) -> bytes:
    stream = zlib.compress(b" " * inflated, 9)
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n2 0 obj << /Filter /FlateDecode /Length "
            + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream\nendobj\n%%EOF\n")


def cases() -> dict[str, tuple[str, bytes]]:
    zeros = b"\0" * (1024 * MiB)
    nested = b"hello"
    for depth in range(6):
        nested = _zip(f"level{depth}.zip" if depth else "a.txt", nested)
    return {
        "gzip bomb (1 GiB inflated)": ("bomb.gz", gzip.compress(zeros, 9)),
        "zip bomb (one 1 GiB member)": ("bomb.zip", _zip("big.txt", zeros)),
        "zip of 5 x 60 MiB members": ("five.zip", _many(zeros[:60 * MiB])),
        "zips nested six deep": ("nested.zip", nested),
        "PDF with a 1 GiB stream": ("bomb.pdf", _pdf_bomb(1024 * MiB)),
    }


def _many(member: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(5):
            archive.writestr(f"m{i}.txt", member)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--text-mib", type=int, default=4, help="size of the ordinary text read (MiB)")
    args = parser.parse_args()
    gate = Gate(LeakValues({"zebedee quartermaine": ("participant name", "P01"),
                            "07911 123456": ("Phone", "[Phone]")}))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        reports = Path(tmp) / "reports"
        reports.mkdir()
        for label, (name, data) in cases().items():
            path = reports / name
            path.write_bytes(data)
            start = time.perf_counter()
            leaks = scan_file(path, gate, f"reports/{name}")
            seconds = time.perf_counter() - start
            results.append({"case": label, "stored_bytes": len(data), "seconds": round(seconds, 3),
                            "refused": any(leak.origin == "refused" for leak in leaks)})
            path.unlink()
        words = ("the team said the rota was late again and the visits ran over into the evening "
                 "so we asked the manager for cover on Tuesday").split()
        rng = random.Random(14)
        text = " ".join(rng.choice(words) for _ in range(args.text_mib * MiB // 5))
        path = reports / "ordinary.md"
        path.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        scan_file(path, gate, "reports/ordinary.md")
        seconds = time.perf_counter() - start
        results.append({"case": f"ordinary text ({len(text) / MiB:.1f} MiB)", "stored_bytes": len(text),
                        "seconds": round(seconds, 3), "refused": False,
                        "mib_per_second": round(len(text) / MiB / seconds, 2)})
    if args.json:
        print(json.dumps(results, indent=1))
        return
    for r in results:
        extra = f", {r['mib_per_second']} MiB/s" if "mib_per_second" in r else ""
        print(f"{r['case']:<32} {r['stored_bytes'] / MiB:8.2f} MiB stored  {r['seconds']:7.3f} s  "
              f"{'refused' if r['refused'] else 'read'}{extra}")


if __name__ == "__main__":
    main()
