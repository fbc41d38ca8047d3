"""``encadena backup`` and ``encadena restore`` on a Neo4j of the test's own: dump, wipe, restore, same digest."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from graph_schema.digest import graph_digest
from graph_schema.keys import create_key
from tests.faults import ENCADENA
from tests.test_fault_import import record_figures


# Starting Neo4j (twice here) takes up to a minute each on a busy 2-core machine.
@pytest.mark.timeout(900)
def test_backup_wipe_restore_gives_back_the_same_graph(private_neo4j, tmp_path):
    neo4j = private_neo4j
    graph = neo4j.graph()
    create_key(graph, "admin", None, label="antes del respaldo")  # something beyond reference data
    before = graph_digest(graph)
    assert before["nodes"] > 300

    out = neo4j.encadena("backup", "--out", str(tmp_path / "respaldo"))
    dump = Path(out.stdout.split(" (", 1)[0].strip())
    assert dump.exists() and dump.with_name(dump.name + ".sha256").exists()
    assert re.search(r"sha256 [0-9a-f]{64}", out.stdout)

    with graph.session() as session:  # CALL ... IN TRANSACTIONS runs only in an auto-commit transaction
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    wiped = graph_digest(graph)
    assert wiped["nodes"] == 0 and wiped["digest"] != before["digest"]

    refused = subprocess.run([ENCADENA, "restore", str(dump)], env={**os.environ, **neo4j.env}, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    restored = neo4j.encadena("restore", str(dump), "--yes")
    assert "Reinicie la API y los workers" in restored.stdout
    neo4j.close()  # as the message says: this process's driver holds bookmarks of the wiped database
    after = graph_digest(neo4j.graph())
    assert after == before
    record_figures("backup_restore", {"nodes": before["nodes"], "relationships": before["relationships"],
                                      "digest_before": before["digest"], "digest_after_restore": after["digest"],
                                      "dump_bytes": dump.stat().st_size})
