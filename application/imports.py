"""Import a file of firms: validate every row, write in batches, find possible duplicates, report.

1. rows of the same RUT merge (later filled cells win); RUTs an advisor merged into another firm
   are skipped (re-creating them would bring the twin back); memberships must name a cooperative
   that exists or comes in the same file (cooperatives are written first);
2. batches of ``batch_size`` firms, each one managed transaction (``graph_schema.imports``): read the
   stored state, overlay the row's filled cells, write only firms that change, so importing the
   same file twice changes nothing; a failing batch is rolled back whole and its rows reported;
3. meanwhile (a writer thread sends the batches, so Neo4j and this process work at once) the
   imported firms are compared (``matching.dedupe``) with each other and with the firms already
   stored in their comunas and sectors; close pairs become ``DuplicateCandidate``\\s for review.

The API, the pages, the command line and import jobs all call ``import_file`` / ``import_firms``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from application.access import Viewer
from graph_schema import duplicates
from graph_schema.driver import Graph
from graph_schema.imports import existing_cooperatives, stored_ruts, write_batch
from matching.catalog import Catalog
from matching.collector import cyclic_gc_paused
from matching.dedupe import DUPLICATE_THRESHOLD, FirmName, Match, find_duplicates
from matching.errors import InvalidInput
from matching.imports import MergedFirm, ParsedFile, RowError, merge_by_rut, parse_import
from matching.pair_model import PairModel

DEFAULT_BATCH_SIZE = 10_000
# Write transactions in flight at once: Neo4j commits one batch while it runs the next one's query.
WRITERS = 2
# Longest list of rows, skipped RUTs or pairs a report carries (the counts are always complete).
REPORT_LIST_LIMIT = 1000

Progress = Callable[[str, int, int], None]


@dataclass
class BatchLog:
    """An import job's memory of its batches, so that a retried import resumes instead of starting over.

    ``committed`` maps the batch numbers an earlier attempt committed to their (created, updated,
    unchanged) counts: those batches are skipped and their counts carried into the report.
    ``record(tx, batch, counts)`` runs inside each batch's own write transaction, so a batch and the
    job's record of it commit together or not at all. Duplicate detection always covers the whole file.
    """

    committed: dict[int, tuple[int, int, int]]
    record: Callable[[Any, int, tuple[int, int, int]], None]


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    dry_run: bool
    format: str
    encoding: str
    delimiter: str | None
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged_by_rut: list[dict] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    possible_duplicates: list[dict] = field(default_factory=list)
    decided_pairs: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    batches: int = 0
    failed_batches: int = 0
    resumed_batches: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rejected_rows(self) -> int:
        return len({e.line for e in self.rejected})

    def as_dict(self, limit: int | None = REPORT_LIST_LIMIT) -> dict:
        def cut(items: list) -> list:
            return items if limit is None else items[:limit]

        return {
            "dry_run": self.dry_run,
            "file": {"format": self.format, "encoding": self.encoding, "delimiter": self.delimiter,
                     "rows": self.rows, "ignored_columns": self.ignored_columns},
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "merged_by_rut": len(self.merged_by_rut),
            "merged_by_rut_detail": cut(self.merged_by_rut),
            "rejected_rows": self.rejected_rows,
            "rejected": [e.as_dict() for e in cut(self.rejected)],
            "skipped": cut(self.skipped),
            "possible_duplicates": len(self.possible_duplicates),
            "possible_duplicates_detail": cut(self.possible_duplicates),
            "decided_pairs_not_reopened": self.decided_pairs,
            "batches": self.batches,
            "failed_batches": self.failed_batches,
            "resumed_batches": self.resumed_batches,
            "seconds": round(self.seconds, 2),
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
        }


def import_job_params(viewer: Viewer, *, file_name: str | None, size: int, dry_run: bool = False) -> dict:
    """What an ``import`` job records about its file and who sent it (the API and the pages alike)."""
    return {"now": datetime.now(UTC).isoformat(), "source": f"import:{viewer.id}", "dry_run": dry_run,
            "batch_size": DEFAULT_BATCH_SIZE, "file_name": file_name, "bytes": size}


def _check_memberships(driver: Graph, firms: list[MergedFirm], report: ImportReport) -> list[MergedFirm]:
    """Drop (and report) firms whose ``member_of`` names a cooperative neither stored nor in the file."""
    referenced = sorted({rut for f in firms for rut in f.given.get("member_of", [])})
    if not referenced:
        return firms
    in_file_no = {f.rut for f in firms if f.given.get("is_cooperative") is False}
    in_file_yes = {f.rut for f in firms if f.given.get("is_cooperative")}
    known = (existing_cooperatives(driver, referenced) - in_file_no) | in_file_yes
    kept = []
    for firm in firms:
        missing = [rut for rut in firm.given.get("member_of", []) if rut not in known]
        if missing:
            report.rejected.append(RowError(
                firm.lines[-1], "member_of",
                f"No hay cooperativa registrada con RUT {', '.join(missing)} (ni en Encadena ni marcada como "
                "cooperativa en este archivo).", None, firm.rut))
        else:
            kept.append(firm)
    return kept


def _membership_order(firm: MergedFirm) -> int:
    """Cooperatives first (those that are members of none before the rest), so members find them."""
    if firm.given.get("is_cooperative"):
        return 1 if firm.given.get("member_of") else 0
    return 2


def import_file(driver: Graph, catalog: Catalog, data: bytes, *, now: str, source: str = "import",
                dry_run: bool = False, batch_size: int = DEFAULT_BATCH_SIZE, threshold: float = DUPLICATE_THRESHOLD,
                on_progress: Progress | None = None, pair_model: PairModel | None = None,
                batches: BatchLog | None = None) -> ImportReport:
    """Read and validate ``data`` (CSV or JSON lines), then ``import_firms``; ``ImportFileError`` when
    the file cannot be read at all. Progress stages: ``read``, ``write``, ``dedupe``."""
    step = (lambda done, total: on_progress("read", done, total)) if on_progress else None
    parsed = parse_import(data, catalog, on_progress=step)
    return import_firms(driver, parsed, now=now, source=source, dry_run=dry_run, batch_size=batch_size,
                        threshold=threshold, on_progress=on_progress, pair_model=pair_model,
                        adjacency=catalog.adjacency, batches=batches)


def import_firms(driver: Graph, parsed: ParsedFile, *, now: str, source: str = "import", dry_run: bool = False,
                 batch_size: int = DEFAULT_BATCH_SIZE, threshold: float = DUPLICATE_THRESHOLD,
                 on_progress: Progress | None = None, pair_model: PairModel | None = None,
                 adjacency: Mapping[str, frozenset[str]] | None = None, batches: BatchLog | None = None,
                 ) -> ImportReport:
    """Write a parsed file's firms in batches and record possible duplicates; return the report.

    ``pair_model`` scores the pairs (the promoted one, ``application.duplicates.serving_pair_model``;
    the prior when None); ``adjacency`` makes neighbouring comunas evidence; ``batches`` lets an
    import job resume after the batches an earlier attempt committed.
    """
    with cyclic_gc_paused():
        return _import_firms(driver, parsed, now=now, source=source, dry_run=dry_run, batch_size=batch_size,
                             threshold=threshold, on_progress=on_progress, pair_model=pair_model,
                             adjacency=adjacency, batches=batches)


def _import_firms(driver: Graph, parsed: ParsedFile, *, now: str, source: str, dry_run: bool, batch_size: int,
                  threshold: float, on_progress: Progress | None, pair_model: PairModel | None,
                  adjacency: Mapping[str, frozenset[str]] | None, batches: BatchLog | None) -> ImportReport:
    started = time.perf_counter()
    report = ImportReport(dry_run, parsed.format, parsed.encoding, parsed.delimiter, parsed.data_rows,
                          rejected=list(parsed.errors), ignored_columns=parsed.ignored_columns)
    firms = merge_by_rut(parsed.rows)
    report.merged_by_rut = [{"rut": f.rut, "lines": list(f.lines)} for f in firms if len(f.lines) > 1]

    away = duplicates.merged_away(driver, [f.rut for f in firms])
    report.skipped = [
        {"lines": list(f.lines), "rut": f.rut, "kept_rut": away[f.rut],
         "reason": f"El RUT {f.rut} fue fusionado con {away[f.rut]} por un asesor; la fila no se importa para no "
                   "volver a crear el duplicado."}
        for f in firms if f.rut in away
    ]
    firms = _check_memberships(driver, [f for f in firms if f.rut not in away], report)
    firms.sort(key=_membership_order)
    known_ruts = stored_ruts(driver, [f.rut for f in firms])

    comunas = sorted({f.given["comuna"] for f in firms})
    sectors = sorted({s for f in firms for s in f.given["sectors"]})
    stored = {n.id: n for n in duplicates.firm_names_in_blocks(driver, comunas, sectors)}
    file_ruts = {f.rut for f in firms}
    existing = [n for rut, n in stored.items() if rut not in file_ruts]
    report.timings["checks"] = time.perf_counter() - started

    # Neo4j writes the batches while this process compares names: the two overlap on two cores.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer") as pool:
        writing = pool.submit(_write_batches, driver, firms, report, known_ruts, now=now, source=source,
                              dry_run=dry_run, batch_size=batch_size, on_progress=on_progress, log=batches)
        step = (lambda done, total: on_progress("dedupe", done, total)) if on_progress else None
        matches = find_duplicates([_firm_name(f, stored.get(f.rut)) for f in firms] + existing, threshold=threshold,
                                  involving=file_ruts, on_progress=step, model=pair_model, adjacency=adjacency)
        report.timings["duplicates"] = time.perf_counter() - started - report.timings["checks"]
        writing.result()
    report.timings["write"] = time.perf_counter() - started - report.timings["checks"]
    names = {f.rut: f.given["name"] for f in firms} | {n.id: n.name for n in existing}
    _record_duplicates(driver, report, matches, names, now=now)
    report.rejected.sort(key=lambda e: (e.line, e.field))
    report.seconds = time.perf_counter() - started
    return report


def _firm_name(firm: MergedFirm, stored: FirmName | None) -> FirmName:
    """What duplicate detection compares for an imported firm: its row, contact details filled from the graph."""
    given = firm.given
    return FirmName(firm.rut, given["name"], given["comuna"], tuple(given["sectors"]),
                    given.get("phone") or (stored.phone if stored else None),
                    given.get("email") or (stored.email if stored else None))


def _write_batches(driver: Graph, firms: list[MergedFirm], report: ImportReport, stored: frozenset[str], *,
                   now: str, source: str, dry_run: bool, batch_size: int, on_progress: Progress | None,
                   log: BatchLog | None = None) -> None:
    """Each batch in its own transaction; a failing batch is rolled back whole and its rows reported.

    Up to ``WRITERS`` batches are in flight at once (Neo4j commits one while it runs the next one's
    query), except that a batch with memberships waits until every batch before it has committed
    and runs alone: the cooperatives it names come earlier in ``firms``.
    """
    total = len(firms)
    done = 0
    write = partial(write_batch, driver, stored=stored, now=now, source=source, dry_run=dry_run)
    in_flight: deque[tuple[list[MergedFirm], Future]] = deque()

    def settle(batch: list[MergedFirm], result: list[tuple[str, dict]] | Exception) -> None:
        nonlocal done
        done += len(batch)
        if isinstance(result, Exception):
            report.failed_batches += 1
            reason = result.detail if isinstance(result, InvalidInput) else (
                getattr(result, "message", None) or str(result))
            report.rejected += [
                RowError(line, "lote", f"El lote de {len(batch)} empresas que incluía esta fila no se escribió "
                                       f"(se deshizo completo): {reason}", None, f.rut)
                for f in batch for line in f.lines
            ]
        else:
            for outcome, state in result:
                if outcome == "skipped":
                    rut = state["rut"]
                    report.skipped.append({
                        "lines": [line for f in batch if f.rut == rut for line in f.lines], "rut": rut,
                        "reason": f"El RUT {rut} fue fusionado con otra empresa por un asesor mientras se importaba; "
                                  "la fila no se importa para no volver a crear el duplicado."})
                else:
                    setattr(report, outcome, getattr(report, outcome) + 1)
        if on_progress:
            on_progress("write", done, total)

    def recorder(number: int):
        if log is None or dry_run:
            return None
        return lambda tx, outcomes: log.record(tx, number, _counts(outcomes))

    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="import-batch") as pool:
        for number, start in enumerate(range(0, total, batch_size)):
            batch = firms[start:start + batch_size]
            report.batches += 1
            if log is not None and number in log.committed:
                # Committed by an earlier attempt of this job: its counts, not its writes again.
                for outcome, count in zip(("created", "updated", "unchanged"), log.committed[number], strict=True):
                    setattr(report, outcome, getattr(report, outcome) + count)
                report.resumed_batches += 1
                done += len(batch)
                if on_progress:
                    on_progress("write", done, total)
                continue
            alone = any(f.given.get("member_of") for f in batch)
            while in_flight and (alone or len(in_flight) >= WRITERS):
                settle(*_result(in_flight.popleft()))
            if alone:
                settle(batch, write(batch, after=recorder(number)))
            else:
                in_flight.append((batch, pool.submit(write, batch, after=recorder(number))))
        while in_flight:
            settle(*_result(in_flight.popleft()))


def _counts(outcomes: list[tuple[str, dict]]) -> tuple[int, int, int]:
    kinds = [outcome for outcome, _ in outcomes]
    return kinds.count("created"), kinds.count("updated"), kinds.count("unchanged")


def _result(item: tuple[list[MergedFirm], Future]) -> tuple[list[MergedFirm], list[tuple[str, dict]] | Exception]:
    return item[0], item[1].result()


def _record_duplicates(driver: Graph, report: ImportReport, matches: list[Match], names: dict[str, str], *,
                       now: str) -> None:
    """Record the pairs found (a decided pair stays decided) and list the open ones in the report."""
    keys = [f"{m.left}|{m.right}" for m in matches]
    if report.dry_run:
        known = duplicates.known_pairs(driver, matches)
        recorded = {k: {"id": known.get(k, {}).get("id"), "status": known.get(k, {}).get("status", "open"),
                        "new": k not in known} for k in keys}
    else:
        with driver.session() as session:
            rows = session.execute_write(duplicates.record_candidates_tx, matches, now, "import")
        recorded = {r["pair_key"]: r for r in rows}
    for match, key in zip(matches, keys, strict=True):
        rec = recorded.get(key)
        if rec is None:
            continue  # one of the two firms is gone (its batch failed)
        if rec["status"] != "open":
            report.decided_pairs += 1
            continue
        report.possible_duplicates.append({
            "id": rec["id"], "new": rec["new"], "score": match.score, "evidence": list(match.evidence),
            "firms": [{"rut": match.left, "name": names.get(match.left)},
                      {"rut": match.right, "name": names.get(match.right)}],
        })
