"""Install, start, stop and inspect the project's own Neo4j Community server.

Neo4j comes from Maven Central (the pom in ``scripts/neo4j``) into Maven's own cache;
the server is ``org.neo4j.server.CommunityEntryPoint`` run on the machine's Java with the
flags the official launcher would pass, and a ``neo4j.conf`` rendered for this instance.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from application.settings import REPO_ROOT, Settings

POM_DIR = REPO_ROOT / "scripts" / "neo4j"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
START_TIMEOUT_S = 120
STOP_TIMEOUT_S = 60

# The JVM flags of the distribution's default neo4j.conf (server.jvm.additional), which the
# official launcher passes and a hand launch must pass itself. AlwaysPreTouch (the heap is
# committed at start, not page-faulted in during the first writes) and TrustFinalNonStaticFields
# (lets the JIT fold Neo4j's final fields) were missing until the import benchmark's first run
# after a start came out at half the rate of the next ones.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+AlwaysPreTouch",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
)


class Neo4jSetupError(RuntimeError):
    """The local Neo4j could not be installed, started or reached."""


@dataclass(frozen=True)
class Instance:
    """Paths of one local instance (``make run`` and ``make test`` each have their own)."""

    settings: Settings

    @property
    def home(self) -> Path:
        return self.settings.neo4j_home_path

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def classpath_file(self) -> Path:
        return self.home / "classpath.txt"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "encadena-neo4j.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "neo4j.log"

    @property
    def console_log(self) -> Path:
        return self.home / "logs" / "console.log"


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    java = Path(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        raise Neo4jSetupError("Neo4j 5.26 necesita Java 17 o 21; no se encontró `java` "
                              "(instálelo con `make system-packages`).")
    return str(java)


def _pom_digest() -> str:
    return hashlib.sha256((POM_DIR / "pom.xml").read_bytes()).hexdigest()[:16]


def _classpath(inst: Instance) -> str:
    return inst.classpath_file.read_text().strip()


def _classpath_is_current(inst: Instance) -> bool:
    stamp = inst.home / "classpath.pom-digest"
    if not inst.classpath_file.exists() or not stamp.exists() or stamp.read_text() != _pom_digest():
        return False
    return all(Path(jar).exists() for jar in _classpath(inst).split(os.pathsep))


def install(inst: Instance, echo=print) -> None:
    """Resolve Neo4j with Maven, render the configuration and set the initial password."""
    for sub in ("conf", "data", "logs", "run", "import", "plugins"):
        (inst.home / sub).mkdir(parents=True, exist_ok=True)
    if not _classpath_is_current(inst):
        mvn = shutil.which("mvn")
        if not mvn:
            raise Neo4jSetupError("Se necesita Maven (`mvn`) para obtener Neo4j desde Maven Central "
                                  "(instálelo con `make system-packages`).")
        echo("Obteniendo Neo4j Community desde Maven Central (queda en ~/.m2 después de la primera vez)...")
        # Quiet Maven still writes terminal escape codes; show its output only when it fails.
        done = subprocess.run(
            [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(POM_DIR / "pom.xml"), "dependency:build-classpath",
             "-Dmdep.includeScope=runtime", f"-Dmdep.outputFile={inst.classpath_file}"],
            capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise Neo4jSetupError(
                f"Maven no pudo obtener Neo4j (código {done.returncode}):\n{done.stdout}{done.stderr}")
        (inst.home / "classpath.pom-digest").write_text(_pom_digest())
    _render_config(inst)
    if not (inst.home / "data" / "dbms").exists():
        _set_initial_password(inst)


def _render_config(inst: Instance) -> None:
    s = inst.settings
    template = (POM_DIR / "neo4j.conf.template").read_text()
    conf = template.format(home=inst.home, bolt_port=s.bolt_port, heap=s.neo4j_heap, pagecache=s.neo4j_pagecache)
    (inst.conf_dir / "neo4j.conf").write_text(conf)
    for name in ("server-logs.xml", "user-logs.xml"):
        shutil.copyfile(POM_DIR / name, inst.conf_dir / name)


def _set_initial_password(inst: Instance) -> None:
    env = {**os.environ, "NEO4J_HOME": str(inst.home), "NEO4J_CONF": str(inst.conf_dir)}
    result = subprocess.run(
        [_java(), *JVM_FLAGS, "-cp", _classpath(inst), ADMIN_TOOL,
         "dbms", "set-initial-password", inst.settings.neo4j_password],
        env=env, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise Neo4jSetupError(f"No se pudo fijar la contraseña inicial:\n{result.stdout}{result.stderr}")


def running_pid(inst: Instance) -> int | None:
    """The pid of this instance's server if it is alive, else None."""
    try:
        pid = int(inst.pid_file.read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return None if _zombie(pid) else pid


def _zombie(pid: int) -> bool:
    """A server that died (killed, out of memory) but whose exit nobody collected: where the init
    process does not reap orphans (some containers), it stays a zombie that ``kill -0`` still finds."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] == "Z"


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log yet)"


def start(inst: Instance, echo=print) -> None:
    """Start the server in the background and wait until Bolt answers with our password."""
    install(inst, echo)
    if running_pid(inst):
        wait_until_ready(inst)
        echo(f"Neo4j ya está en marcha en {inst.settings.neo4j_uri} (pid {running_pid(inst)}).")
        return
    if _port_open(inst.settings.bolt_port):
        raise Neo4jSetupError(
            f"Otro proceso ocupa el puerto {inst.settings.bolt_port}; indique un puerto libre en NEO4J_URI."
        )
    heap = inst.settings.neo4j_heap
    cmd = [_java(), *JVM_FLAGS, f"-Xms{heap}", f"-Xmx{heap}", "-cp", _classpath(inst), ENTRY_POINT,
           f"--home-dir={inst.home}", f"--config-dir={inst.conf_dir}"]
    env = {**os.environ, "NEO4J_HOME": str(inst.home), "NEO4J_CONF": str(inst.conf_dir)}
    with open(inst.console_log, "ab") as console:
        proc = subprocess.Popen(cmd, stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=inst.home, start_new_session=True)
    inst.pid_file.write_text(str(proc.pid))
    echo(f"Iniciando Neo4j (pid {proc.pid}) en {inst.settings.neo4j_uri}; registro: {inst.log_file}")
    try:
        wait_until_ready(inst, proc)
    except Neo4jSetupError:
        stop(inst, echo=lambda *_: None)
        raise
    echo(f"Neo4j responde: {server_version(inst)}")


def wait_until_ready(inst: Instance, proc: subprocess.Popen | None = None) -> None:
    """Block until a driver connects with the configured credentials, or fail with the log's tail."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, ServiceUnavailable

    s = inst.settings
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise Neo4jSetupError(
                f"Neo4j terminó con código {proc.returncode}. Registro: {inst.log_file}\n"
                f"{_tail(inst.console_log)}\n{_tail(inst.log_file)}"
            )
        if _port_open(s.bolt_port):
            try:
                with GraphDatabase.driver(s.neo4j_uri, auth=(s.neo4j_username, s.neo4j_password)) as driver:
                    driver.verify_connectivity()
                return
            except AuthError as exc:
                raise Neo4jSetupError(
                    f"Neo4j en {s.neo4j_uri} rechazó la contraseña de NEO4J_PASSWORD ({exc.message}). "
                    f"Los datos de {inst.home / 'data'} se crearon con otra contraseña."
                ) from exc
            except ServiceUnavailable:
                pass
        time.sleep(0.5)
    raise Neo4jSetupError(
        f"Neo4j no respondió en {s.neo4j_uri} en {START_TIMEOUT_S} s. Registro: {inst.log_file}\n"
        f"{_tail(inst.log_file)}"
    )


def server_version(inst: Instance) -> str:
    """Name, version and edition as reported by ``dbms.components()``."""
    from neo4j import GraphDatabase

    s = inst.settings
    with GraphDatabase.driver(s.neo4j_uri, auth=(s.neo4j_username, s.neo4j_password)) as driver:
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0] AS version, edition"
        )
    return ", ".join(f"{r['name']} {r['version']} ({r['edition']})" for r in records)


def stop(inst: Instance, echo=print) -> None:
    """Stop the server gracefully (SIGTERM, then SIGKILL after a minute); data stays on disk."""
    pid = running_pid(inst)
    if pid is None:
        echo("Neo4j no está en marcha.")
        inst.pid_file.unlink(missing_ok=True)
        return
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.3)
    if _alive(pid):
        os.killpg(pid, signal.SIGKILL)
    inst.pid_file.unlink(missing_ok=True)
    echo(f"Neo4j detenido (pid {pid}); los datos quedan en {inst.home / 'data'}.")


def _alive(pid: int) -> bool:
    try:
        # Reap it if it is our child; otherwise just probe.
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _zombie(pid)


def status(inst: Instance, echo=print) -> bool:
    """Print whether the instance runs, where, and its log; True when Bolt answers."""
    pid = running_pid(inst)
    echo(f"carpeta: {inst.home}")
    echo(f"registro: {inst.log_file}")
    if pid is None:
        echo("estado: detenido")
        return False
    try:
        version = server_version(inst)
    except Exception as exc:  # noqa: BLE001 - status reports whatever went wrong
        echo(f"estado: el proceso {pid} vive, pero Bolt no responde en {inst.settings.neo4j_uri}: {exc}")
        return False
    echo(f"estado: en marcha (pid {pid}) en {inst.settings.neo4j_uri}: {version}")
    return True


def main(argv: list[str]) -> int:
    """Entry for ``python -m scripts.neo4j_server install|start|stop|status``."""
    inst = Instance(Settings())
    actions = {"install": install, "start": start, "stop": stop, "status": status}
    if len(argv) != 1 or argv[0] not in actions:
        print("usage: neo4j_server install|start|stop|status", file=sys.stderr)
        return 2
    try:
        result = actions[argv[0]](inst)
    except Neo4jSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0 if result is not False else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
