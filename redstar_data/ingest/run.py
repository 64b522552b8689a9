"""``ingest(catalog, source)``: read a source in batches, map and validate every row in DuckDB, write
problems, memberships, imported traces, level labels and rejects, idempotently.

Design (measured in ``benchmarks/ingest.py``, explained in ``docs/ingest.md``): Python only moves
bytes. A JSONL file is cut into lines by Arrow; every other format becomes one JSON text per row
inside DuckDB (``to_json``), so a single SQL pass per batch decodes UTF-8, parses JSON, extracts
and type-checks the mapped fields, hashes the normalised problem text and anti-joins against what
the catalog already holds. Only rejected rows come back to Python, to find the parser's exact
message. Each batch is written in one transaction, so an interrupted ingest resumes by running it
again; running it twice adds nothing.
"""

from __future__ import annotations

import glob
import json
import queue
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from redstar_data.catalog import Catalog, quote
from redstar_data.errors import ConfigError, IngestError, SqlError
from redstar_data.ids import trace_id_sql
from redstar_data.ingest import choices as ch
from redstar_data.ingest import images as im
from redstar_data.ingest import mapping as mp
from redstar_data.ingest.readers import RawBatch, SourceSpec, parse_source, read
from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress
from redstar_data.tokens import WHITESPACE, load_counter

RAW_LIMIT = 64 * 1024  # rejects.raw keeps at most this many characters of the row


@dataclass
class IngestReport:
    """What one ingest did. ``n_read`` = rows read (good + rejected); ``n_present`` = good rows whose
    problem was already in the catalog (from an earlier ingest, another source, or earlier in this file)."""

    source_id: str
    n_read: int = 0
    n_new: int = 0
    n_present: int = 0
    n_rejected: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    n_traces: int = 0
    n_traces_present: int = 0  # response rows whose trace the catalog already held
    # response rows that made no trace, by reason (each also a `rejects` row; its problem was still ingested):
    # good rows of a response source = n_traces + n_traces_present + sum(traces_skipped)
    traces_skipped: dict[str, int] = field(default_factory=dict)
    n_skipped: int = 0  # blank / white-space-only lines: read and counted, neither rows nor rejects
    n_images_new: int = 0  # images this ingest stored (distinct bytes the catalog did not hold)
    kind: str = ""
    preset: str | None = None
    preset_auto: bool = False
    mapping: dict[str, str] = field(default_factory=dict)
    run_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    first_reject: tuple[int, str] | None = None  # (row, reason) of the first rejected row, for messages

    @property
    def n_good(self) -> int:
        """Rows that became (new or already present) problems: read = new + present + rejected + skipped."""
        return self.n_read - self.n_rejected - self.n_skipped


# a \uD800-\uDBFF escape not followed by a \uDC00-\uDFFF one, or a low half with no high half before it
_LONE_SURROGATE = re.compile(
    r"(?<!\\)\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<![0-9a-fA-F]{2})(?<!\\u[dD][89abAB])\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _json_detail(raw: str) -> str:
    """Why DuckDB refused JSON that Python's json module accepts (the usual case: a lone surrogate escape)."""
    m = _LONE_SURROGATE.search(raw)
    if m:
        return (f"{m.group(0)} at character {m.start() + 1} is half of a UTF-16 surrogate pair with no other "
                "half: it is not a character, so the text cannot be stored as UTF-8")  # fmt: skip
    return "not JSON the catalog can store (DuckDB's JSON parser refused it; Python's json module reads it)"


def _table_to_lines_sql(schema: pa.Schema) -> str:
    """SELECT turning an Arrow batch (``__rs_tbl``) into (row_number, line, pre_reason) JSON text rows."""
    parts, bad = [], []
    for f in schema:
        if f.name == "__row":
            continue
        col = quote.ident(f.name)
        if pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type):
            parts.append(f"{col} := try(decode({col}))")
            bad.append(
                f"WHEN {col} IS NOT NULL AND try(decode({col})) IS NULL THEN {quote.literal('undecodable_text:' + f.name)}"
            )
        else:
            parts.append(f"{col} := {col}")
    pre = f"CASE {' '.join(bad)} END" if bad else "NULL::VARCHAR"
    return f"SELECT __row AS row_number, to_json(struct_pack({', '.join(parts)}))::VARCHAR AS line, {pre} AS pre " \
           f"FROM __rs_tbl"  # fmt: skip


# Decode + the row-level checks; JSON allows the trailing newline (kept: stripping it would copy every line).
# ``keys`` stays NULL for rows with the file's common key list: a list per row costs memory and time to
# keep, and only rows with other keys need a look for columns the sample missed.
_PARSE = """
SELECT row_number, txt, CASE WHEN k0 = {common} THEN NULL ELSE k0 END AS keys,
       CASE WHEN pre IS NOT NULL THEN pre
            WHEN txt IS NULL THEN 'undecodable_text'
            WHEN k0 IS NULL THEN 'invalid_json'
            WHEN k0 = {common} THEN NULL
            WHEN len(k0) = 0 AND NOT starts_with(ltrim(txt), '{{') THEN 'not_an_object'
            WHEN len(k0) <> len(list_distinct(k0)) THEN
                 'duplicate_keys:' || list_filter(list_distinct(k0), lambda k: len(list_filter(k0, lambda j: j = k)) > 1)[1]
       END AS reason0
FROM (SELECT row_number, pre, txt, try(json_keys(txt)) AS k0
      FROM (SELECT row_number, pre, {decoded} AS txt FROM __rs_lines))
"""


def prefetch(it: Iterator[RawBatch]) -> Iterator[RawBatch]:
    """Read the next batch in a thread while DuckDB (which releases the GIL) processes the current one.

    At most two batches are alive: the one the caller holds and the one read ahead (the reader waits for
    the caller to come back for the next batch before it reads a third), so memory stays bounded by two
    blocks. The caller must drop its reference to a batch before asking for the next one. Reader errors
    are re-raised here, in order."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()
    slots = threading.Semaphore(2)

    def work() -> None:
        try:
            while True:
                while not slots.acquire(timeout=0.1):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                b = next(it, None)
                if b is None:
                    break
                while not stop.is_set():
                    try:
                        q.put(("batch", b), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                del b
                if stop.is_set():
                    return
            q.put(("end", None))
        except BaseException as e:  # handed to the consumer, which raises it
            q.put(("error", e))

    t = threading.Thread(target=work, name="redstar-ingest-reader", daemon=True)
    t.start()
    try:
        while True:
            kind, val = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise val
            yield val
            del val
            slots.release()
    finally:
        stop.set()
        while t.is_alive():  # unblock a reader waiting on a full queue, then let it finish
            try:
                q.get_nowait()
            except queue.Empty:
                pass
            t.join(timeout=0.1)


class _Run:
    """One ingest in progress: the catalog connection, the mapping, counters and per-ingest temp tables."""

    def __init__(self, cat: Catalog, spec: SourceSpec, source_id: str, opts: dict[str, Any]) -> None:
        self.cat, self.spec, self.sid = cat, spec, source_id
        self.opts = opts
        self.report = IngestReport(source_id=source_id, kind=spec.kind)
        self.m: mp.Mapping_ | None = None
        self.file = str(spec.path) if spec.path else spec.uri
        row = self.cat.one("SELECT count(*) FROM problem_sources WHERE source_id = ?", [source_id])
        self.had_members = bool(row and row[0])
        self.cat.execute("CREATE OR REPLACE TEMP TABLE __rs_keys (source_key VARCHAR)")
        self.cat.execute("CREATE OR REPLACE TEMP TABLE __rs_resp (problem_id VARCHAR, run_id VARCHAR)")
        self.run_ids: set[str] = set()
        self.meta_keys: set[str] = set()
        self.common_keys = "NULL::VARCHAR[]"
        self.decoded = "line"  # SQL for a row's text in __rs_lines (kept for rows rejected after mapping)
        self.late_details: dict[
            int, str
        ] = {}  # row -> detail of rows rejected after mapping (images, choices)
        self.carried: im.Carried | None = None  # image bytes the current Arrow batch carried
        if spec.path is not None:
            self.image_base: Path | None = spec.path if spec.path.is_dir() else spec.path.parent
        else:
            self.image_base = None

    # -- mapping -----------------------------------------------------------------------------------
    def _columns(self, batch: RawBatch, parsed: str) -> list[str]:
        """Column names: the Arrow schema, or the keys of the first 2,000 JSON objects."""
        if batch.table is not None:
            return [c for c in batch.table.column_names if c != "__row"]
        sample = f"(SELECT keys FROM ({parsed}) WHERE keys IS NOT NULL LIMIT 2000)"
        row = self.cat.one(f"SELECT mode(keys) FROM {sample} WHERE len(keys) = len(list_distinct(keys))")
        if row and row[0]:
            self.common_keys = "[" + ", ".join(quote.literal(k) for k in row[0]) + "]"
        rows = self.cat.one(
            f"SELECT list(DISTINCT k ORDER BY k) FROM (SELECT unnest(keys) AS k FROM {sample})"
        )
        return list(rows[0] or []) if rows else []

    def _late_columns(self, new: set[str]) -> None:
        """Columns first seen after the sample: a field that had no column yet takes its column from here on
        (rows before did not have it, so they read the same either way): a late ``response`` becomes traces,
        a late ``solution`` is size-checked as one. A field already mapped keeps its column (the rows before
        used it); the late column goes to meta, under the same size limit."""
        m = self.m
        assert m is not None
        fixed = {f: m.sources[f] for f in mp.FIELDS if m.paths[f]}
        m2 = mp.resolve(sorted(self.meta_keys), mapping=fixed, preset=m.preset, domain=self.opts["domain"])
        added = {f: m2.sources[f] for f in mp.FIELDS if m2.paths[f] and not m.paths[f]}
        if not added:
            return
        m2.auto_detected = m.auto_detected
        self.m = m2
        self.report.mapping = dict(m2.sources)
        for f, col in added.items():
            n = self.cat.scalar("SELECT min(row_number) FROM __rs_stage WHERE list_contains(keys, ?)",
                                [col.split(".")[0]])  # fmt: skip
            first = f" (first seen at row {n:,})" if n else ""
            self.report.notes.append(f"column {col!r} appears after the first rows{first}: mapped to {f}")

    def _resolve_mapping(self, cols: list[str]) -> None:
        self.m = mp.resolve(cols, mapping=self.opts["mapping"], preset=self.opts["preset"],
                            domain=self.opts["domain"])  # fmt: skip
        self.report.preset, self.report.preset_auto = self.m.preset, self.m.auto_detected
        self.report.mapping = dict(self.m.sources)
        self.meta_keys = set(cols)

    def _carry_images(self, batch: RawBatch) -> None:
        """An Arrow batch whose mapped image column holds bytes (``datasets`` Image features, binary): the
        bytes stay in Arrow (kept in ``self.carried``), the column becomes ``sha256:`` references."""
        assert batch.table is not None and self.m is not None
        col = self.m.sources.get("images")
        self.carried = None
        if col and col in batch.table.column_names and im.is_image_column(batch.table.schema.field(col).type):
            self.carried = im.Carried()
            batch.table = im.carry_arrow_images(batch.table, col, self.carried)

    # -- one batch ---------------------------------------------------------------------------------
    def batch(self, batch: RawBatch) -> None:
        cat = self.cat
        self.late_details = {}
        if batch.table is not None:
            if self.m is None:
                self._resolve_mapping(self._columns(batch, ""))
            self._carry_images(batch)
        with ExitStack() as scope:
            if batch.table is not None:
                with cat.registered("__rs_tbl", batch.table):
                    cat.execute(
                        f"CREATE OR REPLACE TEMP TABLE __rs_lines AS {_table_to_lines_sql(batch.table.schema)}"
                    )
                decoded = "line"
            else:
                assert batch.lines is not None
                scope.enter_context(cat.registered("__rs_lines_arrow", batch.lines))
                cat.execute(
                    "CREATE OR REPLACE TEMP VIEW __rs_lines AS SELECT *, NULL::VARCHAR AS pre FROM __rs_lines_arrow"
                )
                scope.callback(cat.execute, "DROP VIEW IF EXISTS __rs_lines")
                decoded = "try(decode(line))" if pa.types.is_large_binary(batch.lines.schema.field("line").type) or \
                    pa.types.is_binary(batch.lines.schema.field("line").type) else "line"  # fmt: skip
            self.decoded = decoded
            # rows whose key list is the common one skip the duplicate-key test (list_distinct is costly)
            parsed = _PARSE.format(decoded=decoded, common=self.common_keys)
            if self.m is None:
                self._resolve_mapping(self._columns(batch, parsed))
                parsed = _PARSE.format(decoded=decoded, common=self.common_keys)
            self._stage(parsed)
            if (
                batch.lines is not None
            ):  # a key not seen in the sample: map it or keep it in meta, redo the batch
                row = cat.one("SELECT list(DISTINCT k) FROM (SELECT unnest(keys) AS k FROM __rs_stage)")
                new = set(row[0] or []) - self.meta_keys if row else set()
                if new:
                    self.meta_keys |= new
                    self._late_columns(new)
                    self._stage(parsed)
            m = self.m
            # only sources that have choices / images pay for these steps
            if m.paths["choices"] or m.paths["answer_letter"]:
                self._choices()
            if m.paths["images"]:
                self._images()
        self.carried = None  # the batch's image bytes are stored: let them go with the batch
        if m.paths["id"]:
            self._duplicate_keys()
        with self.cat.transaction():
            self._write_rejects(batch)
            self._write_problems()
            if m.paths["response"] or m.conversation_key:
                self._write_traces()
        self.report.n_read += batch.n_rows + batch.n_skipped
        self.report.n_skipped += batch.n_skipped

    def _stage(self, parsed: str) -> None:
        """Map and check every row of the batch into ``__rs_stage``: the one-parse fast path where the mapping
        allows it, then the general path for the rows it left undecided (``__slow``, rare: a text field that
        holds a list, a number, or text that reads like one)."""
        assert self.m is not None
        kw = {"max_field_bytes": self.opts["max_field_bytes"], "meta_keys": self.meta_keys}
        fast = mp.extract_fast_sql(self.m, parsed, **kw)
        if fast is None:
            self.cat.execute(
                "CREATE OR REPLACE TEMP TABLE __rs_stage AS " + mp.extract_sql(self.m, parsed, **kw)
            )
            return
        self.cat.execute("CREATE OR REPLACE TEMP TABLE __rs_stage AS " + fast)
        row = self.cat.one("SELECT count(*) FROM __rs_stage WHERE reason = '__slow'")
        if not (row and row[0]):
            return
        slow = (
            "SELECT row_number, txt, keys, NULL::VARCHAR AS reason0 FROM __rs_stage WHERE reason = '__slow'"
        )
        self.cat.execute("CREATE OR REPLACE TEMP TABLE __rs_slow AS " + mp.extract_sql(self.m, slow, **kw))
        self.cat.execute("DELETE FROM __rs_stage WHERE reason = '__slow'")
        self.cat.execute("INSERT INTO __rs_stage SELECT * FROM __rs_slow")
        self.cat.execute("DROP TABLE __rs_slow")

    def _late_reject(self, table: str) -> None:
        """Reject the stage rows listed in ``table`` (row_number, reason, field, detail): rows found bad after
        mapping (images, choices). Their raw text comes back from ``__rs_lines`` for ``rejects.raw``."""
        self.late_details.update(
            (int(r[0]), r[1]) for r in self.cat.rows(f"SELECT row_number, detail FROM {table}")
        )
        self.cat.execute(f"""
            UPDATE __rs_stage SET reason = x.reason, field = x.field, problem_id = NULL, txt = x.txt
            FROM (SELECT r.row_number, r.reason, r.field, l.txt FROM {table} r
                  LEFT JOIN (SELECT row_number, {self.decoded} AS txt FROM __rs_lines) l USING (row_number)) x
            WHERE __rs_stage.row_number = x.row_number
        """)  # fmt: skip

    def _choices(self) -> None:
        """Letter and value of multiple-choice rows (``ingest/choices.py``); inconsistent rows are rejected."""
        assert self.m is not None
        params = {"letter_field": self.m.sources.get("answer_letter", "answer_letter"),
                  "answer_field": self.m.sources.get("answer", "answer")}  # fmt: skip
        with self.cat.temp_table("__rs_choice", ch.RESOLVE_SQL, params):
            self.cat.execute("""
                UPDATE __rs_stage SET answer_letter = c.letter, answer = c.answer
                FROM __rs_choice c WHERE __rs_stage.row_number = c.row_number AND c.reason IS NULL
            """)  # fmt: skip
            if self.cat.scalar("SELECT count(*) FROM __rs_choice WHERE reason IS NOT NULL"):
                with self.cat.temp_table(
                    "__rs_choice_bad", "SELECT * FROM __rs_choice WHERE reason IS NOT NULL"
                ):
                    self._late_reject("__rs_choice_bad")

    def _images(self) -> None:
        """Image references → stored image ids (``ingest/images.py``); the problem id is recomputed from the
        bytes' hashes. A row with a bad image is rejected with that image's reason (the first, in order)."""
        assert self.m is not None
        # an empty or null reference means "no image" (a CSV's empty cell, `"image": ""`): dropped, not a reject
        blank = "lambda x: coalesce(x, '') = ''"
        self.cat.execute(f"""
            UPDATE __rs_stage SET images = list_filter(images, lambda x: coalesce(x, '') <> ''),
                   problem_id = {mp.problem_id_fast_sql("problem", "list_filter(images, lambda x: coalesce(x, '') <> '')")}
            WHERE reason IS NULL AND len(list_filter(images, {blank})) > 0
        """)  # fmt: skip
        refs = self.cat.arrow("""
            SELECT row_number, coalesce(ref, '') AS ref, pos FROM (
                SELECT row_number, unnest(images) AS ref, unnest(range(1, len(images) + 1)) AS pos
                FROM __rs_stage WHERE reason IS NULL AND len(images) > 0)
        """)  # fmt: skip
        if not refs.num_rows:
            return
        res, n_stored = im.store_refs(self.cat, refs["ref"].to_pylist(), base=self.image_base,
                                      carried=self.carried, max_bytes=self.opts["max_image_bytes"],
                                      max_pixels=self.opts["max_image_pixels"])  # fmt: skip
        self.report.n_images_new += n_stored
        keys = list(res)
        mapped = pa.table({
            "ref": pa.array(keys, pa.string()),
            "image_id": pa.array([r.image_id if isinstance(r, im.ImageInfo) else None for r in res.values()], pa.string()),
            "reason": pa.array([r.reason if isinstance(r, im.BadImage) else None for r in res.values()], pa.string()),
            "detail": pa.array([r.detail if isinstance(r, im.BadImage) else None for r in res.values()], pa.string()),
        })  # fmt: skip
        field_name = quote.literal(self.m.sources.get("images", "images"))
        with self.cat.registered("__rs_imgref", refs), self.cat.registered("__rs_imgmap", mapped):
            self.cat.execute(f"""
                CREATE OR REPLACE TEMP TABLE __rs_imgrows AS
                SELECT r.row_number, list(m.image_id ORDER BY r.pos) AS ids,
                       min_by(m.reason, r.pos) FILTER (WHERE m.reason IS NOT NULL) AS reason,
                       min_by(m.detail, r.pos) FILTER (WHERE m.reason IS NOT NULL) AS detail,
                       {field_name} AS field
                FROM __rs_imgref r JOIN __rs_imgmap m USING (ref) GROUP BY r.row_number
            """)  # fmt: skip
        try:
            self.cat.execute(f"""
                UPDATE __rs_stage SET images = x.ids, problem_id = {mp.problem_id_fast_sql("problem", "x.ids")}
                FROM __rs_imgrows x WHERE __rs_stage.row_number = x.row_number AND x.reason IS NULL
            """)  # fmt: skip
            if self.cat.scalar("SELECT count(*) FROM __rs_imgrows WHERE reason IS NOT NULL"):
                with self.cat.temp_table(
                    "__rs_imgbad", "SELECT * FROM __rs_imgrows WHERE reason IS NOT NULL"
                ):
                    self._late_reject("__rs_imgbad")
        finally:
            self.cat.execute("DROP TABLE IF EXISTS __rs_imgrows")

    def _duplicate_keys(self) -> None:
        key_src = self.m.sources.get("id", "id") if self.m else "id"
        # found on narrow columns first: the UPDATE (which rewrites the wide stage rows) runs only when needed
        # later uses of a key in this batch by a hash aggregate (a window sorts: ~2x slower), then keys used
        # by earlier batches
        self.cat.execute("""
            CREATE OR REPLACE TEMP TABLE __rs_dupkeys AS
            SELECT s.row_number FROM __rs_stage s JOIN (
                SELECT source_key, min(row_number) AS first FROM __rs_stage
                WHERE reason IS NULL AND source_key IS NOT NULL GROUP BY source_key HAVING count(*) > 1) g
              USING (source_key)
            WHERE s.reason IS NULL AND s.row_number > g.first
            UNION
            SELECT row_number FROM __rs_stage s WHERE reason IS NULL AND source_key IS NOT NULL
              AND EXISTS (SELECT 1 FROM __rs_keys k WHERE k.source_key = s.source_key)
        """)  # fmt: skip
        row = self.cat.one("SELECT count(*) FROM __rs_dupkeys")
        if row and row[0]:
            self.cat.execute(f"UPDATE __rs_stage SET reason = 'duplicate_source_key', field = {quote.literal(key_src)}, "
                             "problem_id = NULL WHERE row_number IN (SELECT row_number FROM __rs_dupkeys)")  # fmt: skip
        self.cat.execute("INSERT INTO __rs_keys SELECT source_key FROM __rs_stage "
                         "WHERE reason IS NULL AND source_key IS NOT NULL")  # fmt: skip

    def _write_rejects(self, batch: RawBatch) -> None:
        """Rejected rows (few) come to Python for their exact detail and raw text, then one bulk insert."""
        rows = self.cat.rows(
            "SELECT row_number, reason, field, rtrim(left(txt, ?), chr(13) || chr(10)) AS raw FROM __rs_stage "
            "WHERE reason IS NOT NULL",
            [RAW_LIMIT],
        )
        out: list[dict[str, Any]] = []
        raw_bytes: dict[int, bytes] = {}
        if batch.lines is not None and any(r[1] == "undecodable_text" for r in rows):
            want = pa.array([r[0] for r in rows if r[1] == "undecodable_text"], pa.int64())
            sel = batch.lines.filter(pc.is_in(batch.lines["row_number"], value_set=want))
            raw_bytes = dict(zip(sel["row_number"].to_pylist(), sel["line"].to_pylist(), strict=False))
        for rn, reason, fld, raw in rows:
            detail = None
            if reason == "invalid_json" and raw is not None:
                try:
                    json.loads(raw)
                except ValueError as e:
                    detail = str(e)
                else:  # Python's json reads it; DuckDB's does not
                    detail = _json_detail(raw)
            elif reason == "undecodable_text":
                b = raw_bytes.get(rn)
                if isinstance(b, bytes):
                    raw = b[:RAW_LIMIT].rstrip(b"\r\n").decode("utf-8", "backslashreplace")
                    try:
                        b.decode("utf-8")
                    except UnicodeDecodeError as e:
                        detail = f"not valid UTF-8: {e.reason} at byte {e.start}"
                else:
                    detail = "not valid UTF-8"
            elif reason == "oversize_field":
                detail = f"field {fld!r} is over {self.opts['max_field_bytes']} bytes"
                raw = raw[:1000] if raw else raw
            elif reason == "wrong_type":
                detail = f"field {fld!r} has the wrong JSON type"
            elif rn in self.late_details:
                detail = self.late_details[rn]
            out.append({"row_number": rn, "field": fld, "reason": reason, "detail": detail, "raw": raw})
        for p in batch.pre_rejects:
            out.append({k: p.get(k) for k in ("row_number", "field", "reason", "detail", "raw")})
        if not out:
            return
        for r in out:
            self.report.rejects_by_reason[r["reason"]] = self.report.rejects_by_reason.get(r["reason"], 0) + 1
        first = min(out, key=lambda r: r["row_number"])
        if self.report.first_reject is None or first["row_number"] < self.report.first_reject[0]:
            self.report.first_reject = (int(first["row_number"]), str(first["reason"]))
        self.report.n_rejected += len(out)
        t = pa.Table.from_pylist(out, schema=pa.schema([("row_number", pa.int64()), ("field", pa.string()),
                                                        ("reason", pa.string()), ("detail", pa.string()),
                                                        ("raw", pa.string())]))  # fmt: skip
        with self.cat.registered("__rs_rej", t):
            self.cat.execute("""
                INSERT INTO rejects (source_id, file, row_number, field, reason, detail, raw)
                SELECT ?, ?, row_number, field, reason, detail, raw FROM __rs_rej s
                WHERE NOT EXISTS (SELECT 1 FROM rejects r WHERE r.source_id = ? AND r.row_number = s.row_number
                                  AND r.reason = s.reason AND r.file IS NOT DISTINCT FROM ?)
            """, [self.sid, self.file, self.sid, self.file])  # fmt: skip

    def _write_problems(self) -> None:
        cat, sid = self.cat, self.sid
        assert self.m is not None
        # later copies of a problem within this batch: found on narrow columns (a window over the wide rows
        # would sort the texts too, ~2x the cost of the insert itself); a hash aggregate, not a window (1.5x faster)
        cat.execute("""
            CREATE OR REPLACE TEMP TABLE __rs_dups AS
            SELECT s.row_number FROM __rs_stage s JOIN (
                SELECT problem_id, min(row_number) AS first FROM __rs_stage WHERE reason IS NULL
                GROUP BY problem_id HAVING count(*) > 1) g USING (problem_id)
            WHERE s.reason IS NULL AND s.row_number > g.first
        """)  # fmt: skip
        row = cat.one("""
            INSERT INTO problems (problem_id, source_id, source_key, row_number, domain, problem, answer, solution,
                                  tests, images, level, meta, choices, answer_letter)
            SELECT problem_id, ?, source_key, row_number, domain, problem, answer, solution, tests,
                   CASE WHEN images IS NULL THEN NULL ELSE to_json(images) END, level, meta, choices, answer_letter
            FROM __rs_stage s
            WHERE reason IS NULL AND NOT EXISTS (SELECT 1 FROM problems p WHERE p.problem_id = s.problem_id)
              AND NOT EXISTS (SELECT 1 FROM __rs_dups d WHERE d.row_number = s.row_number)
        """, [sid])  # fmt: skip
        n_new = int(row[0]) if row else 0
        guard = ("AND NOT EXISTS (SELECT 1 FROM problem_sources ps WHERE ps.source_id = $sid "
                 "AND ps.row_number = s.row_number AND ps.problem_id = s.problem_id)") if self.had_members else ""  # fmt: skip
        cat.execute(f"""
            INSERT INTO problem_sources (problem_id, source_id, source_key, row_number)
            SELECT problem_id, $sid, source_key, row_number FROM __rs_stage s WHERE reason IS NULL {guard}
        """, {"sid": sid})  # fmt: skip
        good = cat.one("SELECT count(*) FROM __rs_stage WHERE reason IS NULL")
        n_good = int(good[0]) if good else 0
        self.report.n_new += n_new
        self.report.n_present += n_good - n_new
        # score and details computed once per distinct level (a handful), not per row, then joined on
        cat.execute("""
            INSERT INTO difficulty (problem_id, method, model, score, details)
            SELECT s.problem_id, 'label', ?, lv.score, lv.details
            FROM __rs_stage s JOIN (
                SELECT level, level_score(level) AS score, json_object('raw', level, 'source_id', ?) AS details
                FROM (SELECT DISTINCT level FROM __rs_stage WHERE reason IS NULL AND level IS NOT NULL)) lv USING (level)
            WHERE s.reason IS NULL AND NOT EXISTS (
                SELECT 1 FROM difficulty d WHERE d.method = 'label' AND d.model = ? AND d.problem_id = s.problem_id)
              AND NOT EXISTS (SELECT 1 FROM __rs_dups x WHERE x.row_number = s.row_number)
        """, [sid, sid, sid])  # fmt: skip

    def _write_traces(self) -> None:
        cat, sid = self.cat, self.sid
        model = self.opts["model"]
        model_expr = quote.literal(model) if model else "coalesce(model, 'unknown')"
        cat.execute(f"""
            CREATE OR REPLACE TEMP TABLE __rs_tr AS
            SELECT s.*, s.k - 1 + coalesce(prev.n, 0) AS sample_index FROM (
                SELECT problem_id, row_number, response, meta, mdl AS model,
                       'import-' || ? || '-' || trim(regexp_replace(mdl, '[^A-Za-z0-9._-]+', '-', 'g'), '-') AS run_id,
                       row_number() OVER (PARTITION BY problem_id, mdl ORDER BY row_number) AS k
                FROM (SELECT *, {model_expr} AS mdl FROM __rs_stage WHERE reason IS NULL AND nullif(trim(response, ' ' || chr(9) || chr(10) || chr(13)), '') IS NOT NULL)
            ) s LEFT JOIN (SELECT problem_id, run_id, count(*) AS n FROM __rs_resp GROUP BY ALL) prev
              USING (problem_id, run_id)
        """, [sid])  # fmt: skip
        cat.execute("INSERT INTO __rs_resp SELECT problem_id, run_id FROM __rs_tr")
        cat.execute("""
            INSERT INTO runs (run_id, kind, backend, model, n_samples, status, started_at, finished_at, meta)
            SELECT run_id, 'import', 'import', any_value(model), NULL, 'finished', now(), now(),
                   json_object('source_id', ?)
            FROM __rs_tr WHERE run_id NOT IN (SELECT run_id FROM runs) GROUP BY run_id
        """, [sid])  # fmt: skip
        self.run_ids.update(r[0] for r in cat.rows("SELECT DISTINCT run_id FROM __rs_tr"))
        if self.opts.get(
            "max_tokens"
        ):  # the budget the responses were generated under, as the user states it
            cat.execute(
                "UPDATE runs SET sampling_params = json_merge_patch(coalesce(sampling_params, '{}'), "
                "json_object('max_tokens', ?)) WHERE run_id IN (SELECT DISTINCT run_id FROM __rs_tr)",
                [int(self.opts["max_tokens"])],
            )
        counter = self.opts.get("counter")
        cat.execute("ALTER TABLE __rs_tr ADD COLUMN n_tok INTEGER")
        if counter is not None:  # real counts, one batched encode per ingest batch
            texts = cat.arrow("SELECT row_number, response FROM __rs_tr")
            counts = pa.table({"row_number": texts["row_number"],
                               "n": pa.array(counter.count(texts["response"].to_pylist()), pa.int32())})  # fmt: skip
            with cat.registered("__rs_tok", counts):
                cat.execute(
                    "UPDATE __rs_tr SET n_tok = k.n FROM __rs_tok k WHERE __rs_tr.row_number = k.row_number"
                )
        token_counter = counter.name if counter is not None else WHITESPACE
        row = cat.one(f"""
            INSERT INTO traces (trace_id, problem_id, run_id, sample_index, text, finish_reason, n_tokens, meta)
            SELECT trace_id, problem_id, run_id, sample_index, response, 'import',
                   coalesce(n_tok, len(string_split_regex(trim(response), '\\s+'))),
                   json_object('source_id', ?, 'row_number', row_number, 'row_meta', meta, 'token_counter', ?)
            FROM (SELECT *, {trace_id_sql()} AS trace_id FROM __rs_tr) t
            WHERE NOT EXISTS (SELECT 1 FROM traces x WHERE x.trace_id = t.trace_id)
        """, [sid, token_counter])  # fmt: skip
        n_new = int(row[0]) if row else 0
        n_resp = cat.one("SELECT count(*) FROM __rs_tr")
        self.report.n_traces += n_new
        self.report.n_traces_present += (int(n_resp[0]) if n_resp else 0) - n_new
        self._skip_empty_responses()

    def _skip_empty_responses(self) -> None:
        """A row of a response source with an empty (or white-space-only) response still gives its problem, but
        no trace: it is counted in the report and kept in `rejects` (reason ``empty_response``), never dropped."""
        field_name = self.m.sources.get("response", "response") if self.m else "response"
        self.cat.execute("""
            INSERT INTO rejects (source_id, file, row_number, field, reason, detail, raw)
            SELECT ?, ?, row_number, ?, 'empty_response', 'the response is empty: its problem was ingested, no trace',
                   rtrim(left(txt, ?), chr(13) || chr(10))
            FROM __rs_stage s WHERE reason IS NULL AND nullif(trim(response, ' ' || chr(9) || chr(10) || chr(13)), '') IS NULL
              AND NOT EXISTS (SELECT 1 FROM rejects r WHERE r.source_id = ? AND r.row_number = s.row_number
                              AND r.reason = 'empty_response' AND r.file IS NOT DISTINCT FROM ?)
        """, [self.sid, self.file, field_name, RAW_LIMIT, self.sid, self.file])  # fmt: skip
        n = self.cat.one(
            "SELECT count(*) FROM __rs_stage WHERE reason IS NULL "
            "AND nullif(trim(response, ' ' || chr(9) || chr(10) || chr(13)), '') IS NULL",
        )
        if n and n[0]:
            skipped = self.report.traces_skipped
            skipped["empty_response"] = skipped.get("empty_response", 0) + int(n[0])

    # -- bookkeeping -------------------------------------------------------------------------------
    def write_source(self, *, final: bool) -> None:
        r = self.report
        mapping_json = json.dumps(self.m.describe() if self.m else None)
        self.cat.execute("""
            INSERT INTO sources (source_id, kind, uri, is_benchmark, mapping, ingested_at, n_rows, n_new, n_rejected, meta)
            VALUES (?, ?, ?, ?, ?, CASE WHEN ? THEN now() END, ?, ?, ?, ?)
            ON CONFLICT (source_id) DO UPDATE SET kind = excluded.kind, uri = excluded.uri,
                is_benchmark = sources.is_benchmark OR excluded.is_benchmark, mapping = excluded.mapping,
                ingested_at = coalesce(excluded.ingested_at, sources.ingested_at), n_rows = excluded.n_rows,
                n_new = excluded.n_new, n_rejected = excluded.n_rejected, meta = excluded.meta
        """, [self.sid, self.spec.kind, self.spec.uri, bool(self.opts["benchmark"]), mapping_json, final,
              r.n_read, r.n_new, r.n_rejected,
              json.dumps({"n_present": r.n_present, "n_traces": r.n_traces, "rejects_by_reason": r.rejects_by_reason,
                          "n_skipped": r.n_skipped, "run_ids": sorted(self.run_ids), "notes": r.notes,
                          "complete": final})])  # fmt: skip

    def close(self) -> None:
        for t in (
            "__rs_keys",
            "__rs_resp",
            "__rs_stage",
            "__rs_slow",
            "__rs_dups",
            "__rs_dupkeys",
            "__rs_lines",
        ):
            self.cat.execute(f"DROP TABLE IF EXISTS {t}")
        self.cat.execute("DROP TABLE IF EXISTS __rs_tr")


DATA_SUFFIXES = (".jsonl", ".json", ".parquet", ".csv")


def _is_saved_dataset(p: Path) -> bool:
    return any((p / f).is_file() for f in ("dataset_info.json", "state.json", "dataset_dict.json"))


def expand_sources(args: Sequence[str]) -> list[str]:
    """Several sources in one call: each argument is a source as ``ingest`` reads it, a glob
    (``out/*.jsonl``), or a folder of data files (a save_to_disk folder stays one source). In order,
    files of a glob or folder sorted by name."""
    out: list[str] = []
    for a in args:
        p = Path(a).expanduser()
        if re.match(r"[A-Za-z][\w+-]*:", a) and not p.exists():  # hf:org/name, synthetic:math?n=..
            out.append(a)
        elif any(c in a for c in "*?[") and not p.exists():
            hits = sorted(glob.glob(str(p)))
            if not hits:
                raise IngestError(
                    f"no file matches {a!r}", hint="check the pattern (quote it so the shell leaves it)"
                )
            out += hits
        elif p.is_dir() and not _is_saved_dataset(p):
            files = sorted(str(f) for f in p.iterdir() if f.is_file() and f.name.endswith(DATA_SUFFIXES))
            if not files:
                raise IngestError(f"folder {a} holds no data files ({', '.join(DATA_SUFFIXES)})",
                                  hint="give the files, or a save_to_disk folder")  # fmt: skip
            out += files
        else:
            out.append(a)
    return out


def ingest(
    catalog: Catalog,
    source: str,
    *,
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    preset: str | None = None,
    model: str | None = None,
    benchmark: bool = False,
    domain: str | None = None,
    max_field_bytes: int = mp.DEFAULT_MAX_FIELD_BYTES,
    max_image_bytes: int = im.DEFAULT_MAX_BYTES,
    max_image_pixels: int = im.DEFAULT_MAX_PIXELS,
    tokenizer: str | None = None,
    max_tokens: int | None = None,
    progress: ProgressCallback = null_progress,
) -> IngestReport:
    """Ingest ``source`` (a file, a save_to_disk folder, ``hf:org/name[:split]`` or ``synthetic:math?n=..``)
    into ``catalog`` under ``name`` (default: the file stem). Idempotent: a second run adds nothing.
    ``max_tokens``: the generation budget the imported responses were sampled under (the source's own
    ``max_tokens``), stored as the import run's ``sampling_params.max_tokens``: verify flags a response that
    reaches it without a final answer as truncated (counted by a real tokenizer: ``tokenizer`` here or at
    verify)."""
    t0 = time.perf_counter()
    if not max_field_bytes >= 1:
        raise ConfigError(f"the field size limit must be positive, got {max_field_bytes:,} bytes",
                          key="--max-field-mb", hint="e.g. --max-field-mb 1 (the default) or 4")  # fmt: skip
    spec = parse_source(source)
    source_id = name or spec.default_name
    if not source_id or any(c in source_id for c in "\n\r\t"):
        raise IngestError(f"bad source name {source_id!r}", hint="pass --name NAME")
    if catalog.read_only:
        raise IngestError("the catalog is open read-only; ingest needs to write")
    opts = {"mapping": dict(mapping or {}), "preset": preset, "model": model, "benchmark": benchmark,
            "domain": domain, "max_field_bytes": int(max_field_bytes),
            "max_image_bytes": int(max_image_bytes), "max_image_pixels": int(max_image_pixels),
            "counter": load_counter(tokenizer) if tokenizer else None, "max_tokens": max_tokens}  # fmt: skip
    if max_tokens is not None and max_tokens < 1:
        raise ConfigError(f"max_tokens must be positive, got {max_tokens}", key="--max-tokens",
                          hint="the max_tokens the responses were generated with, e.g. --max-tokens 32768")  # fmt: skip
    run = _Run(catalog, spec, source_id, opts)
    # Row order inside the catalog's tables carries no meaning (row_number is a column), and without the
    # ordering constraint DuckDB inserts in parallel with less buffering.
    # Each batch leaves a partly filled row group per table. A checkpoint "vacuums" them: it rewrites
    # neighbouring row groups into full ones, which cost ~2 s per 1M rows (a quarter of the ingest)
    # and grew the file from 210 to 355 MB. Partial row groups read as fast, so ingest turns vacuum off
    # and checkpoints at the end itself (then closing the catalog has nothing left to do).
    with catalog.settings(preserve_insertion_order=False, max_vacuum_tasks=0):
        try:
            for batch in prefetch(read(spec)):
                try:
                    run.batch(batch)
                    del batch  # before the next one is read: prefetch keeps two blocks alive, not three
                except SqlError as e:
                    raise IngestError(f"ingest of {source} failed in DuckDB: {e.duckdb_message}",
                                      hint="this is a bug if the input was merely malformed; rerun with "
                                           "REDSTAR_DEBUG=1 and report it") from e  # fmt: skip
                r = run.report
                progress(ProgressEvent("ingest", r.n_read, None,
                                       {"new": r.n_new, "present": r.n_present, "rejected": r.n_rejected}))  # fmt: skip
            run.report.run_ids = sorted(run.run_ids)
            with catalog.transaction():
                run.write_source(final=True)
            run.close()
            catalog.checkpoint()
            run.report.seconds = time.perf_counter() - t0
        finally:
            run.close()
    return run.report
