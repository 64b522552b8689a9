"""Each isolation and limit requirement of the sandbox, checked from outside where it can be."""

from __future__ import annotations

import json
import os
import resource
import select
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from redstar_data.verify.code import run_program
from redstar_data.verify.code.sandbox import Limits, Session

T = 2.0


def run(code: str, stdin: str = "", **kw):
    return run_program(
        textwrap.dedent(code),
        stdin,
        timeout_s=kw.pop("timeout_s", T),
        memory_mb=kw.pop("memory_mb", 512),
        **kw,
    )


def test_runs_a_program_on_stdin(sandbox):
    r = run("print(input()[::-1])", "hello\n")
    assert (r.status, r.stdout, r.exit_code) == ("ok", "olleh\n", 0)
    assert r.wall_s > 0 and r.peak_rss_mb > 0


def test_results_are_framed_by_length_not_by_lines(sandbox):
    """stdout that looks like the harness's own result header, invalid UTF-8 and no final newline come
    back byte for byte; a test's stdout never spills into the next result."""
    forged = b"R ok 0 0.1 0.1 1.0 0.1 5 0 -1\nxx\xff"
    code = f"import sys\nsys.stdout.buffer.write({forged!r} * int(input()))\n"
    with Session(code, [{"stdin": "1\n"}, {"stdin": "2\n"}, {"stdin": "0\n"}], limits=Limits()) as s:
        got = [(r.status, r.stdout) for r in s.results()]
    want = forged.decode("utf-8", "surrogateescape")
    assert got == [("ok", want), ("ok", want * 2), ("ok", "")]


def test_pre_imported_modules_behave_as_in_a_fresh_process(sandbox):
    """The harness imports the program's stdlib modules once before forking the tests: every test's child
    still seeds ``random`` itself (a pre-imported generator would repeat one sequence in every test)."""
    code = "import random, sys, collections\nprint(random.random(), 'collections' in sys.modules)\n"
    with Session(code, [{"stdin": ""}] * 3, limits=Limits()) as s:
        outs = [r.stdout for r in s.results()]
    assert len(set(outs)) == 3 and all(o.split()[1] == "True" for o in outs)


def test_new_namespaces_for_user_pid_net_ipc_uts_mnt(sandbox):
    r = run(
        """
        import os, json
        print(json.dumps({n: os.readlink(f'/proc/self/ns/{n}') for n in ('user', 'pid', 'net', 'ipc', 'uts', 'mnt')}))
        """
    )
    assert r.status == "ok", r.stderr
    inside = json.loads(r.stdout)
    for name, ns in inside.items():
        assert ns != os.readlink(f"/proc/self/ns/{name}"), name


def test_non_root_uid_hostname_and_own_pid_space(sandbox):
    r = run(
        "import os, socket; print(os.getuid(), os.getgid(), socket.gethostname(), sorted(int(p) for p in os.listdir('/proc') if p.isdigit())[:1])"
    )
    uid, gid, host, first = r.stdout.split(maxsplit=3)
    assert (uid, gid, host) == ("1000", "1000", "sandbox")
    assert first.strip() == "[1]"  # pid 1 is the sandbox's own init: a fresh /proc of a new pid namespace


def test_no_network_not_even_loopback(sandbox):
    r = run(
        """
        import socket
        for fam in (socket.AF_INET, socket.AF_INET6):
            try:
                socket.socket(fam)
                print('socket', fam)
            except OSError as e:
                print('refused', e.errno)
        print(open('/proc/net/dev').read().count(':'))
        """
    )
    lines = r.stdout.split("\n")
    assert lines[0].startswith("refused") and lines[1].startswith("refused"), r.stdout
    assert lines[2] == "1"  # only lo exists


def test_cleared_minimal_environment(sandbox, monkeypatch):
    monkeypatch.setenv("REDSTAR_TEST_SECRET", "s3cr3t")
    r = run("import os, json; print(json.dumps(dict(os.environ)))")
    env = json.loads(r.stdout)
    assert "REDSTAR_TEST_SECRET" not in env and "s3cr3t" not in r.stdout
    assert env["PYTHONINTMAXSTRDIGITS"] == "0" and env["OPENBLAS_NUM_THREADS"] == "1"
    assert set(env) - {"PWD"} == {"PATH", "HOME", "LANG", "PYTHONPATH", "PYTHONINTMAXSTRDIGITS",
                                  "PYTHONDONTWRITEBYTECODE", "PYTHONIOENCODING", "OPENBLAS_NUM_THREADS",
                                  "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MALLOC_ARENA_MAX"}  # fmt: skip


def test_filesystem_is_read_only_and_has_no_host_secrets(sandbox, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("host-secret")
    r = run(
        f"""
        import os
        print(sorted(os.listdir('/')))
        for p in ('/etc/passwd', '/etc/shadow', '/home', {str(secret)!r}, '/work'):
            print(p, os.path.exists(p))
        for d in ('/', '/usr/lib', {os.path.realpath(sys.base_prefix)!r}, '/dev'):
            try:
                open(os.path.join(d, 'x'), 'w'); print('writable', d)
            except OSError:
                pass
        print(os.getcwd())
        open('here.txt', 'w').write('ok'); print(open('/tmp/t', 'w').write('ok'))
        """
    )
    assert r.status == "ok", r.stderr
    out = r.stdout
    assert "True" not in out.split("\n", 1)[1].split("/w\n")[0], out
    assert "writable" not in out
    assert "host-secret" not in out
    top = out.split("\n")[0]
    assert "'etc'" not in top and "'home'" not in top


def test_cwd_is_a_size_capped_tmpfs(sandbox):
    r = run(
        """
        import os
        n = 0
        try:
            for i in range(100):
                with open(f'f{i}', 'wb') as f:
                    f.write(b'z' * (8 << 20)); n += 8
        except OSError as e:
            print('stopped', n, e.errno)
        """,
        timeout_s=10,
    )
    words = r.stdout.split()
    assert words[0] == "stopped" and int(words[1]) <= Limits().tmpfs_mb, r.stdout + r.stderr


def test_limits_are_set_with_hard_equal_soft(sandbox):
    r = run(
        """
        import resource as r
        for n in ('RLIMIT_CPU', 'RLIMIT_AS', 'RLIMIT_FSIZE', 'RLIMIT_CORE', 'RLIMIT_NOFILE', 'RLIMIT_NPROC'):
            s, h = r.getrlimit(getattr(r, n)); print(n, s, h)
        """
    )
    got = {ln.split()[0]: (int(ln.split()[1]), int(ln.split()[2])) for ln in r.stdout.strip().split("\n")}
    lim = Limits()
    assert got["RLIMIT_CPU"] == (int(T) + 1,) * 2
    assert got["RLIMIT_AS"] == (512 << 20,) * 2
    assert got["RLIMIT_FSIZE"] == (lim.fsize_mb << 20,) * 2
    assert got["RLIMIT_CORE"] == (0, 0)
    assert got["RLIMIT_NOFILE"] == (lim.nofile,) * 2
    assert got["RLIMIT_NPROC"] == (lim.nproc,) * 2


@pytest.mark.parametrize(
    "code, status",
    [
        ("while True: pass", "timeout"),
        ("import time; time.sleep(60)", "timeout"),
        ("import os, signal; os.kill(os.getpid(), signal.SIGSTOP)", "timeout"),
        ("x = b'x' * (2 << 30)", "memory"),
        ("import sys\nwhile True: sys.stdout.write('y' * 65536)", "output_limit"),
        ("raise ValueError('boom')", "error"),
        ("import sys; sys.exit(3)", "error"),
    ],
)
def test_statuses(sandbox, code, status):
    # the programs that run into the deadline get a short one: the wait is the test's whole cost
    t = T / 2 if status == "timeout" else T
    r = run(code, timeout_s=t)
    assert r.status == status, (r.status, r.stderr[-300:])
    if status == "output_limit":
        assert len(r.stdout.encode()) <= Limits().output_limit
    if status == "timeout":
        assert r.wall_s < t + 1.5


def test_the_deadline_holds_from_outside_when_the_harness_is_stopped(sandbox):
    # the program stops its harness: only the host's own deadline can end this run
    r = run("import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\nwhile True: pass")
    assert r.status == "timeout"


def test_process_cap_holds_for_this_caller(sandbox):
    r = run(
        """
        import os, time
        n = 0
        for _ in range(500):
            try:
                if os.fork() == 0:
                    time.sleep(30); os._exit(0)
                n += 1
            except OSError:
                break
        print(n, flush=True)
        os._exit(0)
        """,
        timeout_s=10,
    )
    assert r.status == "ok", r.stderr
    assert int(r.stdout) < Limits().nproc + 8


def test_exit_and_quit_builtins_and_solution_name(sandbox):
    assert run("print(__name__); exit(0)").stdout == "__main__\n"
    assert run("quit()").status == "ok"


def test_die_with_parent_no_leftovers(sandbox, tmp_path):
    # a verifier killed mid-run (SIGKILL: no cleanup code runs) must not leave the program running
    marker = "rsxdie" + str(os.getpid())[-6:]
    driver = textwrap.dedent(
        f"""
        import sys
        from redstar_data.verify.code.sandbox import Session, Limits
        s = Session("open('/proc/self/comm', 'w').write({marker!r})\\nimport time\\nprint(1, flush=True)\\ntime.sleep(600)", [{{"stdin": ""}}], limits=Limits(timeout_s=600))
        print("started", flush=True)
        sys.stdin.read()
        """
    )
    p = subprocess.Popen([sys.executable, "-c", driver], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])})  # fmt: skip
    assert p.stdout.readline().strip() == b"started"

    def marked():
        out = []
        for d in filter(str.isdigit, os.listdir("/proc")):
            try:
                st = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            # Z (zombie) and X (dead) are processes that have ended, whatever /proc still shows of them
            if st[st.find("(") + 1 : st.rfind(")")] == marker and st[st.rfind(")") + 2] not in "ZX":
                out.append(d)
        return out

    import time

    deadline = time.monotonic() + 20
    while not marked() and time.monotonic() < deadline:
        time.sleep(0.02)
    pids = marked()
    assert pids, "the program never started"
    # a pidfd per program process turns readable when that process ends: wait for exactly that event (a
    # loaded machine may take seconds), rather than re-reading /proc against a fixed time
    fds = []
    for pid in pids:
        try:
            fds.append(os.pidfd_open(int(pid)))
        except ProcessLookupError:
            pass
    p.kill()
    p.wait()
    try:
        for fd in fds:
            # far below the program's own 600 s: ending on its own would not count
            ready, _, _ = select.select([fd], [], [], 60)
            assert ready, "the program outlived its killed verifier by 60 s"
    finally:
        for fd in fds:
            os.close(fd)
    # each program process has ended (its pidfd said so; /proc may show it a moment longer while the kernel
    # tears it down): no other process of the program may be left
    assert not [d for d in marked() if d not in pids]


def test_first_cgroup_lookups_from_many_threads_all_find_the_root(sandbox):
    """Verifier threads start sandboxes at once: racing first lookups shared one probe folder, and one of
    them found no cgroup root (a root caller's sandbox then failed to start)."""
    from concurrent.futures import ThreadPoolExecutor

    from redstar_data.verify.code import sandbox as sb

    base = sb._pids_cgroup_root()
    if base is None:
        pytest.skip("no writable pids cgroup here")
    for _ in range(30):
        sb._find_pids_cgroup_root.cache_clear()
        with ThreadPoolExecutor(8) as ex:
            got = list(ex.map(lambda _: sb._pids_cgroup_root(), range(8)))
        assert got == [base] * 8
        assert sb._pids_cgroup_root() == base


def test_cgroups_of_killed_verifiers_are_swept(sandbox):
    """A verifier killed mid-run leaves its (empty) pids cgroup behind: the next process that looks the cgroup
    root up removes the ones whose creator is dead, and leaves a live process's alone."""
    from redstar_data.verify.code import sandbox as sb

    base = sb._pids_cgroup_root()
    if base is None:
        pytest.skip("no writable pids cgroup here")
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale, live = Path(base, f"{dead.pid}-0"), Path(base, f"{os.getppid()}-999")
    stale.mkdir(exist_ok=True)
    live.mkdir(exist_ok=True)
    try:
        sb._find_pids_cgroup_root.cache_clear()
        assert sb._pids_cgroup_root() == base
        assert not stale.exists() and live.exists()
    finally:
        for d in (stale, live):
            if d.exists():
                d.rmdir()


def test_unsafe_mode_is_explicit_and_unsandboxed(sandbox):
    r = run("import os; print(os.getuid())", unsafe_no_sandbox=True)
    assert r.stdout.strip() == str(os.getuid())
    with Session("print(1)", [{"stdin": ""}], limits=Limits(), unsafe_no_sandbox=True) as s:
        assert not s.sandboxed


def test_refuses_without_user_namespaces_and_never_runs_the_code(tmp_path):
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs unshare and root to take user namespaces away")
    flag = tmp_path / "ran"
    script = textwrap.dedent(
        f"""
        from redstar_data.verify.code import run_program, SandboxUnavailableError
        try:
            run_program("open({str(flag)!r}, 'w').write('ran')", timeout_s=2, memory_mb=256)
            print("RAN")
        except SandboxUnavailableError as e:
            print("REFUSED", e)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    p = subprocess.run(["unshare", "-U", "-r", "sh", "-c",
                        f"echo 0 > /proc/sys/user/max_user_namespaces && exec {sys.executable} -c \"$0\"", script],
                       capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert p.stdout.startswith("REFUSED"), p.stdout + p.stderr
    assert "namespace" in p.stdout and "hint:" in p.stdout and "--unsafe-no-sandbox" in p.stdout
    assert not flag.exists()


def test_missing_bwrap_is_a_clear_error(monkeypatch, tmp_path):
    from redstar_data.verify.code import SandboxUnavailableError, check_available

    monkeypatch.setenv("REDSTAR_BWRAP", str(tmp_path / "no-bwrap"))
    with pytest.raises(SandboxUnavailableError, match="no bubblewrap"):
        check_available()


def test_verifier_memory_stays_flat_under_an_output_flood(sandbox):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r = run("import sys\nwhile True: sys.stdout.write('y' * (1 << 20))", timeout_s=5)
    assert r.status == "output_limit"
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 200
