"""Images benchmark (issue 16): N generated diagrams through redstar (ingest, then export) against plain
`datasets` (``Dataset.from_dict(...).cast_column("image", Image())`` + ``to_parquet``) on the same images.

    .venv/bin/python benchmarks/images.py                 # 100,000 images (the issue's figure)
    .venv/bin/python benchmarks/images.py --n 5000        # quicker, while developing
    .venv/bin/python benchmarks/images.py --keep /tmp/img100k   # keep (or reuse) the generated source

The source is what a user has before redstar: a JSONL file of problems whose ``images`` are paths
relative to it, and a folder of PNG files (``build_images_source``: N small, distinct, deterministic
diagrams drawn with Pillow, ~0.6 KB each: greyscale line drawings like GeoQA's, smaller). ``ingest_images`` times
``redstar ingest`` of it in a fresh subprocess on a fresh catalog file: seconds, CPU (its own and its
image-check process's), peak RSS (ru_maxrss of that process, and of the check process apart), the
catalog's size after close, and the idempotent re-ingest. Every image is read, hashed, checked
(``images/validate.py``: every chunk's CRC, the header's caps, the whole pixel stream inflated) and stored in
the catalog file.

Export half: the catalog then gets one scripted trace per problem, labelled correct by the ``geometry``
verifier (set-up, not timed: a stand-in for generate + verify), and ``export_images`` times ``redstar
export`` of a vision SFT recipe (TRL's shape: ``messages`` with an image part + ``images`` bytes) in a
fresh subprocess: seconds, peak RSS, parquet size. ``anchor`` times plain ``datasets`` in another fresh
subprocess on the same source: read the JSONL and every PNG file, ``Dataset.from_dict`` of the same
rows (the same messages, the trace text included) with the bytes in an ``image`` column,
``cast_column("image", Image())`` and ``to_parquet``. The ratio is (redstar ingest + export) / anchor.
Run the measurement at a raised priority on a shared machine (``nice -n -5``); the load is recorded.

Goal (issue 16, for ingest + export together): no slower than 1.2x the `datasets` anchor, peak RSS
under 2 GB. Writes benchmarks/results/images.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def draw_diagram(i: int) -> bytes:
    """Diagram ``i`` as PNG bytes: a triangle, a circle and a segment placed from a hash of ``i``, plus
    ``i`` itself in binary as a row of dots, so no two diagrams are the same bytes."""
    import io

    from PIL import Image, ImageDraw

    h = hashlib.blake2b(str(i).encode(), digest_size=16).digest()
    w, ht = 160, 120
    im = Image.new("L", (w, ht), 255)
    d = ImageDraw.Draw(im)
    pts = [(8 + h[k] % (w - 16), 8 + h[k + 1] % (ht - 28)) for k in (0, 2, 4)]
    d.polygon(pts, outline=0)
    r = 6 + h[6] % 20
    cx, cy = 20 + h[7] % (w - 40), 20 + h[8] % (ht - 48)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=0)
    d.line((pts[0], (cx, cy)), fill=0)
    for bit in range(20):  # i in binary: bottom row of dots
        if i >> bit & 1:
            d.rectangle((4 + bit * 7, ht - 8, 7 + bit * 7, ht - 5), fill=0)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def _draw_range(job: tuple[Path, int, int]) -> None:
    folder, lo, hi = job
    for i in range(lo, hi):
        (folder / "images" / f"{i}.png").write_bytes(draw_diagram(i))


def build_images_source(n: int, folder: Path) -> Path:
    """Write ``folder/images/<i>.png`` (N distinct diagrams) and ``folder/problems.jsonl`` (one problem per
    image, the image path relative to the file, 4 choices and the answer letter); returns the JSONL path.
    Deterministic: the same N gives the same bytes. An existing complete source is reused as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    jsonl = folder / "problems.jsonl"
    done = folder / ".complete"
    if done.exists() and done.read_text() == str(n):
        return jsonl
    (folder / "images").mkdir(exist_ok=True)
    step = 2000
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as ex:  # drawing is the slow part: every core
        list(ex.map(_draw_range, [(folder, lo, min(lo + step, n)) for lo in range(0, n, step)]))
    with jsonl.open("w") as f:
        for i in range(n):
            choices = [str(10 + i % 7 + k) for k in range(4)]
            row = {"id": f"bench-{i}", "problem": f"In the diagram {i}, find the measure of angle ABC.",
                   "choices": choices, "answer": choices[i % 4], "answer_letter": "ABCD"[i % 4],
                   "images": [f"images/{i}.png"]}  # fmt: skip
            f.write(json.dumps(row) + "\n")
    done.write_text(str(n))
    return jsonl


CHILD_INGEST = """
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[3])
from redstar_data.catalog import Catalog
from redstar_data.ingest.run import ingest
db, path = sys.argv[1], sys.argv[2]
t = time.perf_counter()
cat = Catalog.open(db)
r = ingest(cat, path, name="images")
dt = time.perf_counter() - t
n_img = cat.count("images")
cat.close()
dc = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
ch = resource.getrusage(resource.RUSAGE_CHILDREN)  # the image-check process (ingest of more than one chunk)
print(json.dumps({"seconds": dt, "seconds_with_close": dc, "rows": r.n_read, "new": r.n_new, "present": r.n_present,
                  "rejected": r.n_rejected, "images": n_img,
                  "cpu_s": ru.ru_utime + ru.ru_stime + ch.ru_utime + ch.ru_stime, "sys_s": ru.ru_stime + ch.ru_stime,
                  "check_process_cpu_s": ch.ru_utime + ch.ru_stime, "peak_rss_mb": ru.ru_maxrss / 1024,
                  "check_process_peak_rss_mb": ch.ru_maxrss / 1024, "catalog_mb": os.path.getsize(db) / 2**20}))
"""


def _child(code: str, *args: str, want_json: bool = True) -> dict:
    os.sync()  # the files the step before wrote go to disk now, not during this step's timing
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1]) if want_json else {}


def ingest_images(jsonl: Path, catalog: Path, *, root: Path = ROOT) -> dict:
    """``redstar ingest`` of ``jsonl`` into ``catalog`` (a fresh file) in a subprocess of its own, then again
    (the idempotent re-ingest, 0 new): {"ingest": {...}, "reingest": {...}} with seconds, peak RSS, sizes."""
    for f in catalog.parent.glob(catalog.name + "*"):
        f.unlink()
    first = _child(CHILD_INGEST, str(catalog), str(jsonl), str(root))
    again = _child(CHILD_INGEST, str(catalog), str(jsonl), str(root))
    return {"ingest": first, "reingest": again}


SYSTEM = "You are a helpful assistant. Put your final answer within \\boxed{}."


def trace_text(key: str, letter: str) -> str:
    """The stand-in trace of problem ``key`` (the same text in the catalog's set-up and in the anchor)."""
    return (
        f"<think>Looking at the diagram of {key}: the triangle's angles add up to 180 degrees, and the circle "
        f"touches the segment at one point. Checking each option in turn, only {letter} fits.</think> "
        f"The answer is \\boxed{{{letter}}}."
    )


CHILD_SETUP = """
import sys
sys.path.insert(0, sys.argv[2])
from redstar_data.catalog import Catalog
with Catalog.open(sys.argv[1]) as cat:
    cat.execute("INSERT INTO runs (run_id, kind) VALUES ('bench-teacher', 'teacher')")
    cat.execute(
        "INSERT INTO traces (trace_id, problem_id, run_id, sample_index, text, finish_reason, n_tokens) "
        "SELECT md5(problem_id || ':bench'), problem_id, 'bench-teacher', 0, "
        "'<think>Looking at the diagram of ' || source_key || ': the triangle''s angles add up to 180 degrees, "
        "and the circle touches the segment at one point. Checking each option in turn, only ' || answer_letter || "
        "' fits.</think> The answer is \\\\boxed{' || answer_letter || '}.', 'stop', 60 FROM problems"
    )
    cat.execute(
        "INSERT INTO verifications (trace_id, verifier, verifier_version, label) "
        "SELECT trace_id, 'geometry', 'bench', 'correct' FROM traces"
    )
"""

RECIPE = """name: bench_geo_sft
kind: sft
select: {domains: [geometry]}
traces: {verifier: geometry}
format:
  system_prompt: "%s"
output: {formats: [parquet]}
"""

CHILD_EXPORT = """
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[4])
t = time.perf_counter()
from redstar_data.catalog import Catalog
from redstar_data.export.run import export
with Catalog.open(sys.argv[1]) as cat:
    rep = export(cat, sys.argv[2], out_dir=sys.argv[3])
dt = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
pq = os.path.join(sys.argv[3], "train.parquet")
print(json.dumps({"seconds": dt, "rows": rep.n_rows, "images": rep.rungs[-1].images["images"],
                  "cpu_s": ru.ru_utime + ru.ru_stime, "sys_s": ru.ru_stime, "peak_rss_mb": ru.ru_maxrss / 1024,
                  "parquet_mb": os.path.getsize(pq) / 2**20}))
"""

CHILD_ANCHOR = """
import json, os, resource, sys, time
from pathlib import Path
t = time.perf_counter()
import datasets
from datasets import Image
sys.path.insert(0, sys.argv[3])
from benchmarks.images import SYSTEM, trace_text
from redstar_data.choices import choices_block
datasets.disable_progress_bars()
folder, out = Path(sys.argv[1]), sys.argv[2]
rows = [json.loads(line) for line in (folder / "problems.jsonl").open()]
data = {
    "messages": [
        [{"role": "system", "content": [{"type": "text", "text": SYSTEM}]},
         {"role": "user", "content": [{"type": "image", "text": None},
                                      {"type": "text", "text": r["problem"] + choices_block(r["choices"])}]},
         {"role": "assistant", "content": [{"type": "text", "text": trace_text(r["id"], r["answer_letter"])}]}]
        for r in rows
    ],
    "image": [(folder / r["images"][0]).read_bytes() for r in rows],
}
ds = datasets.Dataset.from_dict(data).cast_column("image", Image())
ds.to_parquet(out)
dt = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": dt, "rows": len(ds), "cpu_s": ru.ru_utime + ru.ru_stime, "sys_s": ru.ru_stime,
                  "peak_rss_mb": ru.ru_maxrss / 1024, "parquet_mb": os.path.getsize(out) / 2**20}))
"""


def export_images(catalog: Path, work: Path, *, root: Path = ROOT) -> dict:
    """Set up traces (not timed), then ``redstar export`` of the vision SFT set in a subprocess of its own;
    the export is checked to load with ``datasets`` as PIL images (not timed)."""
    _child(CHILD_SETUP, str(catalog), str(root), want_json=False)
    recipe = work / "bench-geo.yaml"
    recipe.write_text(RECIPE % SYSTEM.replace("\\", "\\\\"))
    res = _child(CHILD_EXPORT, str(catalog), str(recipe), str(work / "export"), str(root))
    import datasets

    ds = datasets.load_dataset(
        "parquet",
        data_files=str(work / "export" / "train.parquet"),
        split="train",
        cache_dir=str(work / "hf"),
    )
    res["loaded_rows"] = len(ds)
    res["loaded_first_image"] = type(ds[0]["images"][0]).__name__
    return res


def anchor(folder: Path, out: Path, *, root: Path = ROOT) -> dict:
    """Plain ``datasets`` on the same source, in a subprocess of its own."""
    return _child(CHILD_ANCHOR, str(folder), str(out), str(root))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="images (default 100,000)")
    ap.add_argument("--keep", type=Path, default=None, help="build (or reuse) the source in this folder")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "images.json")
    ap.add_argument(
        "--rounds", type=int, default=3, help="rounds of ingest + export + anchor (medians; default 3)"
    )
    args = ap.parse_args()
    rounds: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="redstar-images-") as tmp:
        folder = args.keep or Path(tmp) / "source"
        t = time.perf_counter()
        jsonl = build_images_source(args.n, folder)
        build_s = round(time.perf_counter() - t, 2)
        img_mb = sum(p.stat().st_size for p in (folder / "images").iterdir()) / 2**20
        for i in range(args.rounds):
            work = Path(tmp) / f"round{i}"
            work.mkdir()
            # alternate who goes first, so a slow spell on the machine does not always land on one side
            if i % 2:
                anc = anchor(folder, work / "anchor.parquet")
            ing = ingest_images(jsonl, work / "catalog.duckdb")
            exp = export_images(work / "catalog.duckdb", work)
            if not i % 2:
                anc = anchor(folder, work / "anchor.parquet")
            both_i = ing["ingest"]["seconds"] + exp["seconds"]
            rounds.append(
                {
                    "ingest": ing["ingest"],
                    "reingest": ing["reingest"],
                    "export": exp,
                    "anchor": anc,
                    "ratio": round(both_i / anc["seconds"], 3),
                    "load_1": round(os.getloadavg()[0], 2),
                }
            )
            print(
                f"round {i + 1}: ingest {ing['ingest']['seconds']:.2f} s + export {exp['seconds']:.2f} s vs "
                f"anchor {anc['seconds']:.2f} s: {rounds[-1]['ratio']}",
                flush=True,
            )
            shutil.rmtree(work, ignore_errors=True)
        load = os.getloadavg()

    def median_round(key: str) -> dict:
        return sorted(rounds, key=lambda r: r[key]["seconds"])[len(rounds) // 2][key]

    first, again, exp, anc = (median_round(k) for k in ("ingest", "reingest", "export", "anchor"))
    both = first["seconds"] + exp["seconds"]
    res = {
        "n": args.n,
        "images_mb": round(img_mb, 1),
        "build_seconds": build_s,
        "redstar_ingest": first,
        "redstar_reingest": again,
        "ingest_images_per_s": round(first["images"] / first["seconds"]),
        "redstar_export": exp,
        "datasets_anchor": anc,
        "redstar_ingest_plus_export_seconds": round(both, 2),
        "ratio_vs_datasets": round(both / anc["seconds"], 2),
        "ratio_per_round": [r["ratio"] for r in rounds],
        "ratio_median_of_rounds": statistics.median(r["ratio"] for r in rounds),
        "rounds": rounds,
        # ingest's two processes counted together (each one's own peak, summed: an upper bound)
        "peak_rss_mb_max_redstar": round(
            max(first["peak_rss_mb"] + first.get("check_process_peak_rss_mb", 0.0), exp["peak_rss_mb"]), 1
        ),
        "load_average_1_5_15": [round(x, 2) for x in load],
        "nice": os.nice(0),
        "goal": {"ratio_vs_datasets_max": 1.2, "peak_rss_mb_max": 2048},
        "machine": {
            "python": platform.python_version(),
            "cpus": __import__("os").cpu_count(),
            "duckdb": __import__("duckdb").__version__,
            "pillow": __import__("PIL").__version__,
        },  # fmt: skip
    }
    print(f"{args.n:,} generated PNG diagrams, {img_mb:.0f} MB (built in {build_s}s)")
    print(f"{'step':28} {'seconds':>8} {'images/s':>10} {'peak RSS MB':>12} {'catalog MB':>11}")
    for name, r in (("redstar ingest", first), ("redstar re-ingest (0 new)", again)):
        print(f"{name:28} {r['seconds']:8.2f} {r['rows'] / r['seconds']:10,.0f} {r['peak_rss_mb']:12.0f} "
              f"{r['catalog_mb']:11.1f}")  # fmt: skip
    for name, r in (("redstar export (vision SFT)", exp), ("datasets anchor", anc)):
        print(f"{name:28} {r['seconds']:8.2f} {r['rows'] / r['seconds']:10,.0f} {r['peak_rss_mb']:12.0f} "
              f"{r['parquet_mb']:11.1f} (parquet MB)")  # fmt: skip
    print(f"new {first['new']:,}, rejected {first['rejected']:,}, images stored {first['images']:,}; "
          f"re-ingest new {again['new']:,}")  # fmt: skip
    print(
        f"export loaded with datasets: {exp['loaded_rows']:,} rows, images[0] is {exp['loaded_first_image']}"
    )
    print(
        f"redstar ingest + export {both:.2f} s vs datasets {anc['seconds']:.2f} s: "
        f"ratio {res['ratio_vs_datasets']} of the medians, rounds {res['ratio_per_round']} (goal <= 1.2); "
        f"load average {res['load_average_1_5_15']}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
