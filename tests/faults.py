"""Fault-test helpers: a Neo4j of the test's own (killed, stopped and started by the project's command)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from application.settings import Settings
from graph_schema.driver import Graph, graph_from_settings

REPO = Path(__file__).resolve().parent.parent
ENCADENA = str(Path(sys.executable).with_name("encadena"))


class PrivateNeo4j:
    """A Neo4j instance on its own port and folder under the test's tmp dir: never the shared test instance."""

    def __init__(self, root: Path, port: int, shared: Settings, heap: str = "512m", pagecache: str = "512m"):
        self.home = root / "neo4j"
        self.port = port
        self.env = {"NEO4J_URI": f"bolt://127.0.0.1:{port}", "NEO4J_USERNAME": shared.neo4j_username,
                    "NEO4J_PASSWORD": shared.neo4j_password, "NEO4J_DATABASE": shared.neo4j_database,
                    "ENCADENA_NEO4J_HOME": str(self.home), "NEO4J_HEAP": heap, "NEO4J_PAGECACHE": pagecache}
        # The shared instance resolved the same classpath from Maven already: reuse it (install checks it).
        self.home.mkdir(parents=True, exist_ok=True)
        for name in ("classpath.txt", "classpath.pom-digest"):
            source = shared.neo4j_home_path / name
            if source.exists():
                shutil.copyfile(source, self.home / name)
        self._graph: Graph | None = None

    @property
    def settings(self) -> Settings:
        return Settings(**self.env)

    def encadena(self, *args: str, timeout: float = 300, extra_env: dict[str, str] | None = None,
                 ) -> subprocess.CompletedProcess:
        """Run ``encadena ARGS`` against this instance (a subprocess, as an operator would)."""
        done = subprocess.run([ENCADENA, *args], cwd=REPO, env={**os.environ, **self.env, **(extra_env or {})},
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"encadena {' '.join(args)}: {done.stdout}\n{done.stderr}"
        return done

    def start(self) -> float:
        """``encadena neo4j start``; the seconds until Bolt answered."""
        started = time.monotonic()
        self.encadena("neo4j", "start")
        return time.monotonic() - started

    def stop(self) -> None:
        self.encadena("neo4j", "stop")

    def pid(self) -> int:
        return int((self.home / "run" / "encadena-neo4j.pid").read_text())

    def kill(self) -> None:
        """SIGKILL the server: no shutdown, no flush, as a power cut or the OOM killer would."""
        os.kill(self.pid(), signal.SIGKILL)

    def graph(self) -> Graph:
        if self._graph is None:
            self._graph = graph_from_settings(self.settings)
        return self._graph

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None
