"""The hostile-program suite: programs a model might emit, judged from the HOST side, plus legitimate heavy
programs that must pass. Used by ``tests/verify/code/test_hostile.py`` (the sandbox must contain every
one) and ``benchmarks/code_verify.py`` (counts with bubblewrap, without it, and for the plain anchor).

Host-side evidence, never the sandbox's word about itself: the process table (processes that renamed
themselves to a per-run marker, sampled while the program runs and checked after), files on the host,
a TCP listener on the host, the host's environment secret and secret file, the verifier's own memory,
and the host-measured wall time.
"""

from __future__ import annotations

import glob
import os
import resource
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redstar_data.verify.code.sandbox import RunResult

# every program starts by renaming its process to the marker (inherited by its forks), so the host can
# find its processes in /proc whatever pid namespace they live in
_MARK = "try:\n    open('/proc/self/comm', 'w').write('rsx@NONCE@')\nexcept Exception:\n    pass\n"


@dataclass
class Program:
    name: str
    code: str
    kind: str  # "hostile" (must be contained) | "legit" (must pass)
    stdin: str = ""
    expected: str | None = None  # legit: the exact stdout (compared after strip)
    plain_unsafe: bool = False  # too destructive to run without a sandbox on a shared machine


HOSTILE: list[Program] = [
    Program("busy_loop", "while True:\n    pass\n", "hostile"),
    Program("sleep", "import time\ntime.sleep(120)\n", "hostile"),
    Program("sigstop_self", "import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)\n", "hostile"),
    Program(
        "ignores_signals",
        "import signal\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU, signal.SIGALRM):\n"
        "    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass\n",
        "hostile",
    ),
    Program(
        "fork_bomb",
        "import os, time\nfor _ in range(100000):\n    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.01)\n",
        "hostile",
    ),
    Program(
        "thread_spam",
        "import threading, time\nn = 0\nwhile n < 20000:\n    try:\n        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
        "        n += 1\n    except Exception:\n        time.sleep(0.01)\n",
        "hostile",
    ),
    Program("memory_bomb", "x = []\nwhile True:\n    x.append(b'x' * (64 << 20))\n", "hostile"),
    Program("stdout_flood", "import sys\nwhile True:\n    sys.stdout.write('y' * 65536)\n", "hostile"),
    Program(
        "stderr_flood",
        "import sys\nfor _ in range(4000):\n    sys.stderr.write('e' * 65536)\nprint(42)\n",
        "hostile",
    ),
    Program(
        "disk_fill",
        "import os\nfor d in (os.getcwd(), '/tmp', '/dev/shm', os.path.expanduser('~')):\n"
        "    for i in range(24):\n        try:\n            with open(os.path.join(d, f'fill-@NONCE@-{i}'), 'wb') as f:\n"
        "                f.write(b'z' * (8 << 20))\n        except Exception:\n            break\n",
        "hostile",
    ),
    Program(
        "write_outside_cwd",
        "import os\nfor p in ('@OUTSIDE@', '/tmp/out-@NONCE@', '/var/tmp/out-@NONCE@', os.path.expanduser('~/out-@NONCE@')):\n"
        "    try:\n        open(p, 'w').write('pwned')\n    except Exception as e:\n        print(p, type(e).__name__)\n",
        "hostile",
    ),
    Program("env_secrets", "import os\nprint(dict(os.environ))\n", "hostile"),
    Program(
        "proc_environ",
        "import os\nfor pid in [os.getppid(), 1] + [p for p in os.listdir('/proc') if p.isdigit()]:\n"
        "    try:\n        print(open(f'/proc/{pid}/environ', 'rb').read())\n    except Exception:\n        pass\n",
        "hostile",
    ),
    Program(
        "host_secret_files",
        "for p in ('@SECRETFILE@', '/etc/shadow', '/root/.bash_history', '/etc/passwd'):\n"
        "    try:\n        print(open(p).read())\n    except Exception as e:\n        print(p, type(e).__name__)\n",
        "hostile",
    ),
    Program(
        "loopback_socket",
        "import socket\ns = socket.create_connection(('127.0.0.1', @PORT@), timeout=2)\ns.sendall(b'@NONCE@')\n",
        "hostile",
    ),
    Program(
        "outside_route",
        "import socket\ntry:\n    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n    u.sendto(b'x', ('192.0.2.1', 53))\n"
        "except Exception:\n    pass\ns = socket.create_connection(('@HOSTIP@', @PORT@), timeout=2)\ns.sendall(b'@NONCE@')\n",
        "hostile",
    ),
    Program(
        "listener",
        "import socket, time\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('0.0.0.0', @PORT2@))\ns.listen()\ntime.sleep(3)\n",
        "hostile",
    ),
    Program(
        "setsid_daemon",
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(60)\n    os._exit(0)\nprint(42)\n",
        "hostile",
    ),
    Program("kills_parent", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n", "hostile"),
    Program(
        "kills_everything", "import os, signal\nos.kill(-1, signal.SIGKILL)\n", "hostile", plain_unsafe=True
    ),
    Program(
        "atexit_spin",
        "import atexit\nprint(42)\n\ndef spin():\n    while True:\n        pass\n\natexit.register(spin)\n",
        "hostile",
    ),
    Program(
        "raise_limits",
        "import resource\nfor r in (resource.RLIMIT_CPU, resource.RLIMIT_AS, resource.RLIMIT_NPROC):\n"
        "    try:\n        resource.setrlimit(r, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\n    except Exception:\n        pass\n"
        "while True:\n    pass\n",
        "hostile",
    ),
    Program("close_stdout_spin", "import os\nos.close(1)\nos.close(2)\nwhile True:\n    pass\n", "hostile"),
    Program(
        "sigstop_parent",
        "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\nwhile True:\n    pass\n",
        "hostile",
    ),
    Program(
        "recursion_bomb",
        "import sys\nsys.setrecursionlimit(10**9)\n\ndef f(n):\n    return f(n + 1) + 1\n\nf(0)\n",
        "hostile",
    ),
    Program(
        "zombie_maker",
        "import os, time\nfor _ in range(20):\n    if os.fork() == 0:\n        os._exit(0)\ntime.sleep(60)\n",
        "hostile",
    ),
    Program(
        "fd_exhaustion",
        "fs = []\nwhile True:\n    try:\n        fs.append(open('/dev/null'))\n    except OSError:\n        break\nwhile True:\n    pass\n",
        "hostile",
    ),
    Program(
        "escape_via_ptrace_and_proc_fd",
        "import os\nppid = os.getppid()\nfor p in (f'/proc/{ppid}/fd/1', f'/proc/{ppid}/mem'):\n"
        '    try:\n        open(p, \'wb\').write(b\'{"status": "ok", "stdout": "forged"}\\n\')\n        print(\'wrote\', p)\n'
        "    except Exception as e:\n        print(p, type(e).__name__)\n",
        "hostile",
    ),
]

LEGIT: list[Program] = [
    Program("huge_int_print", "print(7 ** 60000)\n", "legit", expected=None),  # filled below
    Program(
        "deep_recursion",
        "import sys\nsys.setrecursionlimit(10**6)\n\ndef f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\n\nprint(f(100000))\n",
        "legit",
        expected="100000",
    ),
    Program(
        "big_stack_thread",
        "import sys, threading\nsys.setrecursionlimit(10**6)\nthreading.stack_size(256 << 20)\nout = []\n\n"
        "def f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\n\nt = threading.Thread(target=lambda: out.append(f(200000)))\n"
        "t.start()\nt.join()\nprint(out[0])\n",
        "legit",
        expected="200000",
    ),
    Program(
        "numpy_matmul",
        "import numpy as np\na = np.arange(90000, dtype=np.int64).reshape(300, 300) % 7\nprint(int((a @ a).sum()))\n",
        "legit",
        expected=None,  # filled below
    ),
    Program(
        "memory_300mb",
        "a = bytearray(300 << 20)\na[::4096] = b'1' * len(a[::4096])\nprint(len(a))\n",
        "legit",
        expected=str(300 << 20),
    ),  # fmt: skip
    Program(
        "big_stdin",
        "import sys\nprint(sum(map(int, sys.stdin.buffer.read().split())))\n",
        "legit",
        stdin=" ".join(str(i) for i in range(300000)) + "\n",
        expected=str(sum(range(300000))),
    ),  # fmt: skip
    Program(
        "big_stdout",
        "import sys\nsys.stdout.write('\\n'.join(map(str, range(500000))))\n",
        "legit",
        expected="\n".join(map(str, range(500000))),
    ),  # fmt: skip
    Program(
        "threads",
        "import threading\nres = [0] * 8\n\ndef w(i):\n    res[i] = sum(range(i * 100000))\n\n"
        "ts = [threading.Thread(target=w, args=(i,)) for i in range(8)]\n[t.start() for t in ts]\n[t.join() for t in ts]\nprint(sum(res))\n",
        "legit",
        expected=str(sum(sum(range(i * 100000)) for i in range(8))),
    ),
    Program(
        "multiprocessing_pool",
        "import multiprocessing as mp\n\nif __name__ == '__main__':\n    with mp.Pool(2) as p:\n        print(sum(p.map(abs, range(-50, 50))))\n",
        "legit",
        expected=str(sum(abs(i) for i in range(-50, 50))),
    ),
    Program(
        "temp_files",
        "import os, tempfile\nopen('data.bin', 'wb').write(b'q' * (5 << 20))\nwith tempfile.TemporaryFile() as f:\n"
        "    f.write(b'r' * 1000)\n    f.seek(0)\n    n = len(f.read())\nprint(os.path.getsize('data.bin') + n)\n",
        "legit",
        expected=str((5 << 20) + 1000),
    ),
    Program(
        "cpu_half_second",
        "s = 0\nfor i in range(3_000_000):\n    s += i * i % 7\nprint(s)\n",
        "legit",
        expected=str(sum(i * i % 7 for i in range(3_000_000))),
    ),  # fmt: skip
    Program(
        "stderr_and_answer",
        "import sys, warnings\nwarnings.warn('careful')\nprint('x', file=sys.stderr)\nprint(5)\n",
        "legit",
        expected="5",
    ),  # fmt: skip
]


def _huge_int_expected() -> str:
    import sys

    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return str(7**60000)
    finally:
        sys.set_int_max_str_digits(old)


def _numpy_expected() -> str:
    import numpy as np

    a = np.arange(90000, dtype=np.int64).reshape(300, 300) % 7
    return str(int((a @ a).sum()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def host_ip() -> str:
    """The host's address on its default route (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
            return str(s.getsockname()[0])
    except OSError:
        return "127.0.0.1"


@dataclass
class Verdict:
    name: str
    kind: str
    ok: bool  # hostile: contained; legit: passed
    status: str
    escapes: list[str] = field(default_factory=list)
    wall_s: float = 0.0


class Probe:
    """Host-side instruments for one run: marker, listener, secrets, process sampler."""

    def __init__(self, workdir: str) -> None:
        self.nonce = secrets.token_hex(4)
        self.marker = "rsx" + self.nonce
        self.port = _free_port()
        self.port2 = _free_port()
        self.ip = host_ip()
        self.env_secret = "envsecret-" + secrets.token_hex(8)
        self.file_secret = "filesecret-" + secrets.token_hex(8)
        self.workdir = workdir
        self.secret_file = os.path.join(workdir, f"secret-{self.nonce}.txt")
        self.outside = os.path.join(workdir, f"outside-{self.nonce}")
        with open(self.secret_file, "w") as f:
            f.write(self.file_secret)
        os.chmod(self.secret_file, 0o644)
        self.connections: list[bytes] = []
        self.peak_procs = 0
        self.peak_rss_mb = 0.0
        self._stop = threading.Event()
        self._srv = socket.socket()
        self._srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._srv.bind(("0.0.0.0", self.port))
        self._srv.listen(16)
        self._srv.settimeout(0.05)
        self._threads = [threading.Thread(target=self._accept, daemon=True),
                         threading.Thread(target=self._sample, daemon=True)]  # fmt: skip

    def render(self, code: str) -> str:
        for k, v in (("@NONCE@", self.nonce), ("@PORT@", str(self.port)), ("@PORT2@", str(self.port2)),
                     ("@HOSTIP@", self.ip), ("@SECRETFILE@", self.secret_file), ("@OUTSIDE@", self.outside)):  # fmt: skip
            code = code.replace(k, v)
        return _MARK.replace("@NONCE@", self.nonce) + code

    def __enter__(self) -> Probe:
        os.environ["REDSTAR_HOSTILE_SECRET"] = self.env_secret
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()
        self._srv.close()
        os.environ.pop("REDSTAR_HOSTILE_SECRET", None)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                c, _ = self._srv.accept()
            except OSError:
                continue
            c.settimeout(0.5)
            try:
                self.connections.append(c.recv(64))
            except OSError:
                self.connections.append(b"")
            c.close()

    def marked(self) -> list[int]:
        """Host pids of live (not zombie) processes carrying the marker, in any pid namespace."""
        out = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as f:
                    st = f.read()
            except OSError:
                continue
            name = st[st.find("(") + 1 : st.rfind(")")]
            state = st[st.rfind(")") + 2 : st.rfind(")") + 3]
            if name == self.marker and state != "Z":
                out.append(int(d))
        return out

    def _sample(self) -> None:
        while not self._stop.is_set():
            pids = self.marked()
            tasks, rss = 0, 0.0
            for pid in pids:
                try:
                    for line in open(f"/proc/{pid}/status"):
                        if line.startswith("Threads:"):
                            tasks += int(line.split()[1])
                        elif line.startswith("VmRSS:"):
                            rss += int(line.split()[1]) / 1024
                except OSError:
                    pass
            self.peak_procs = max(self.peak_procs, tasks)
            self.peak_rss_mb = max(self.peak_rss_mb, rss)
            self._stop.wait(0.05)  # a full /proc scan is not free on a busy host

    def listener_reachable(self) -> bool:
        """Can the host reach a port the program tried to listen on?"""
        for addr in ("127.0.0.1", self.ip):
            try:
                with socket.create_connection((addr, self.port2), timeout=0.2):
                    return True
            except OSError:
                pass
        return False


def judge(p: Program, probe: Probe, res: RunResult | None, wall_s: float, *, timeout_s: float,
          memory_mb: int, nproc: int, rss_before_mb: float) -> Verdict:  # fmt: skip
    """Host-side judgement of one run. ``res`` None: the runner itself died (the program killed it)."""
    esc: list[str] = []
    if res is None:
        esc.append("the verifier process was killed")
    text = "" if res is None else res.stdout + res.stderr
    if probe.env_secret in text:
        esc.append("read the verifier's environment secret")
    if probe.file_secret in text:
        esc.append("read a host secret file")
    if probe.connections:
        esc.append(f"reached a host TCP listener ({len(probe.connections)} connections)")
    if p.name == "listener" and probe.listener_reachable():
        esc.append("opened a listener reachable from the host")
    if (
        os.path.exists(probe.outside)
        or glob.glob(f"/tmp/out-{probe.nonce}")
        or glob.glob(f"/var/tmp/out-{probe.nonce}")
    ):
        esc.append("wrote a file outside its working directory")
    left = probe.marked()
    if left:
        esc.append(f"{len(left)} processes outlived the run")
    host_files = glob.glob(f"/tmp/fill-{probe.nonce}-*") + glob.glob(f"/dev/shm/fill-{probe.nonce}-*")
    host_files += glob.glob(os.path.expanduser(f"~/fill-{probe.nonce}-*")) + glob.glob(
        f"fill-{probe.nonce}-*"
    )
    if host_files:
        size = sum(os.path.getsize(f) for f in host_files if os.path.exists(f))
        esc.append(f"left {size >> 20} MiB in {len(host_files)} files on the host")
        for f in host_files:
            try:
                os.remove(f)
            except OSError:
                pass
    if probe.peak_procs > nproc + 8:
        esc.append(f"ran {probe.peak_procs} tasks at once (cap {nproc})")
    if probe.peak_rss_mb > memory_mb + 128:
        esc.append(f"used {probe.peak_rss_mb:.0f} MiB (cap {memory_mb})")
    # generous: a loaded host may start a sandbox slowly; a deadline that does not hold shows as the
    # program's own 60-120 s sleeps
    if wall_s > timeout_s + 20:
        esc.append(f"ran {wall_s:.1f} s past a {timeout_s} s deadline")
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_before_mb
    if grown > 256:
        esc.append(f"grew the verifier's memory by {grown:.0f} MiB")
    children = [c for c in _zombie_children()]
    if children:
        esc.append(f"left {len(children)} zombie children in the verifier")
    for f in (probe.outside, f"/tmp/out-{probe.nonce}", f"/var/tmp/out-{probe.nonce}"):
        try:
            os.remove(f)
        except OSError:
            pass
    status = "killed-runner" if res is None else res.status
    if p.kind == "legit":
        ok = (
            res is not None
            and res.status == "ok"
            and res.stdout.strip() == (p.expected or "").strip()
            and not esc
        )
        return Verdict(p.name, p.kind, ok, status, esc, wall_s)
    return Verdict(p.name, p.kind, not esc, status, esc, wall_s)


def _zombie_children() -> list[int]:
    out = []
    me = str(os.getpid())
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            st = open(f"/proc/{d}/stat").read()
        except OSError:
            continue
        rest = st[st.rfind(")") + 2 :].split()
        if rest[0] == "Z" and rest[1] == me:
            out.append(int(d))
    return out


def run_suite(
    runner: Callable[[str, str], RunResult | None],
    *,
    workdir: str,
    timeout_s: float,
    memory_mb: int,
    nproc: int = 64,
    programs: list[Program] | None = None,
    skip_plain_unsafe: bool = False,
) -> list[Verdict]:
    """Run every program through ``runner(code, stdin)`` and judge each from the host."""
    out = []
    for p in programs if programs is not None else HOSTILE + LEGIT:
        if p.name == "numpy_matmul" and p.expected is None:
            p.expected = _numpy_expected()
        if p.name == "huge_int_print" and p.expected is None:
            p.expected = _huge_int_expected()
        if skip_plain_unsafe and p.plain_unsafe:
            out.append(
                Verdict(
                    p.name, p.kind, False, "not run", ["not run: it would kill every process of this user"]
                )
            )
            continue
        with Probe(workdir) as probe:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            t0 = time.monotonic()
            res = runner(probe.render(p.code), p.stdin)
            wall = time.monotonic() - t0
        out.append(judge(p, probe, res, wall, timeout_s=timeout_s, memory_mb=memory_mb, nproc=nproc,
                         rss_before_mb=before))  # fmt: skip
    return out


def summary(verdicts: list[Verdict]) -> dict[str, Any]:
    hostile = [v for v in verdicts if v.kind == "hostile"]
    legit = [v for v in verdicts if v.kind == "legit"]
    return {
        "hostile": len(hostile),
        "contained": sum(v.ok for v in hostile),
        "escaped": {v.name: v.escapes for v in hostile if not v.ok},
        "legit": len(legit),
        "legit_passed": sum(v.ok for v in legit),
        "legit_failed": {v.name: (v.status, v.escapes) for v in legit if not v.ok},
    }


# ------------------------------------------------------------------------------ runs without a sandbox
# The "without bubblewrap" columns run each program through a throwaway driver process (so a program that
# kills its parent kills the driver, not the caller), inside a safety pids cgroup and a hard deadline, so
# that measuring an escape never takes the shared machine down. The judgement stays host-side.


def driven_runner(mode: str, *, timeout_s: float, memory_mb: int) -> Callable[[str, str], RunResult | None]:
    """A runner for ``run_suite`` that runs ``mode`` ("plain" | "unsafe" | "bwrap") in a driver process."""
    import json
    import signal
    import subprocess
    import sys

    from redstar_data.verify.code.sandbox import _pids_cgroup_root, _PidsCgroup

    def run(code: str, stdin: str) -> RunResult | None:
        cg = _PidsCgroup(256) if os.geteuid() == 0 and _pids_cgroup_root() is not None else None
        msg = json.dumps(
            {"mode": mode, "code": code, "stdin": stdin, "timeout_s": timeout_s, "memory_mb": memory_mb}
        )
        p = subprocess.Popen([sys.executable, "-m", "redstar_data.verify.code.hostile"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
                             preexec_fn=cg.attach_self if cg else None)  # fmt: skip
        try:
            out, _ = p.communicate(msg.encode(), timeout=timeout_s + 20)
        except subprocess.TimeoutExpired:
            out = b""
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
        p.wait()
        if cg is not None:
            cg.destroy()
        try:
            d = json.loads(out.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            return None
        return RunResult(**d)

    return run


def _drive() -> None:
    import dataclasses
    import json
    import sys

    from redstar_data.verify.code.plain import plain_run
    from redstar_data.verify.code.sandbox import run_program

    d = json.loads(sys.stdin.read())
    if d["mode"] == "plain":
        res = plain_run(d["code"], d["stdin"], timeout_s=d["timeout_s"], memory_mb=d["memory_mb"])
    else:
        res = run_program(d["code"], d["stdin"], timeout_s=d["timeout_s"], memory_mb=d["memory_mb"],
                          unsafe_no_sandbox=d["mode"] == "unsafe")  # fmt: skip
    res.stdout = res.stdout[: 16 << 20]
    res.stderr = res.stderr[-(1 << 16) :]
    sys.stdout.write(json.dumps(dataclasses.asdict(res)) + "\n")


if __name__ == "__main__":
    _drive()
