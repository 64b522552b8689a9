"""The in-sandbox harness: runs one program against many inputs, one forked child per test case.

This file is executed by the sandbox's interpreter (standard library only, no redstar imports). Why a
harness and not one sandbox per test: starting bubblewrap + an interpreter costs tens of milliseconds; a
fork of this already-warm process costs about one. Each child gets its own limits (RLIMIT_CPU/AS/FSIZE/
CORE/NOFILE/NPROC/STACK, hard = soft), its own process group, pipes for stdin/stdout/stderr, and a wall
deadline enforced here, outside the child. The harness never holds expected outputs: it only runs inputs
and reports what the program did; the host compares, and tells it whether to go on (``n``) or stop.

Protocol (line-delimited JSON). Host → harness stdin: one config line, then one control line per result
(``n`` next, ``s`` stop). Harness → host stdout: ``{"ready": ...}``, then one result object per test.
"""

import io
import json
import os
import resource
import select
import signal
import sys
import time
import traceback

_READ = 65536


def _set_dumpable(flag):
    # PR_SET_DUMPABLE = 4. A non-dumpable harness cannot be ptraced and its /proc/<pid>/fd cannot be
    # opened by the program it forks (same uid), so the program cannot reach the harness's channels.
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, int(flag), 0, 0, 0)
    except Exception:
        pass


def _limits(cfg):
    mb = cfg["memory_mb"]
    cpu = int(cfg["timeout_s"]) + 1
    lim = [
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_AS, mb << 20),
        (resource.RLIMIT_FSIZE, cfg["fsize_mb"] << 20),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NOFILE, cfg["nofile"]),
        (resource.RLIMIT_STACK, mb << 20),
    ]
    if cfg.get("nproc"):
        lim.append((resource.RLIMIT_NPROC, cfg["nproc"]))
    for which, value in lim:
        resource.setrlimit(which, (value, value))


def _child(cfg, test, res_w):
    """In the forked child: become the program. Never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        _set_dumpable(1)
        _limits(cfg)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8")
        sys.stdout = io.TextIOWrapper(
            io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8", write_through=False
        )
        sys.stderr = io.TextIOWrapper(
            io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8", line_buffering=True
        )
        sys.argv = ["solution.py"]
        glb = {"__name__": "__main__" if cfg["mode"] == "stdin" else "solution", "__builtins__": __builtins__}
        t0 = time.perf_counter()
        value = None
        try:
            code_obj = cfg.get("_compiled") or compile(cfg["code"], "solution.py", "exec")
            exec(code_obj, glb)
            if cfg["mode"] == "call":
                fn = _find_callable(glb, cfg["fn_name"])
                args = test["args"]
                value = fn(*args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if exc.code is not None and not isinstance(exc.code, int):
                sys.stderr.write(f"{exc.code}\n")
        except BaseException as exc:
            # the program's frames only, not the harness's
            tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None
            traceback.print_exception(type(exc), exc, tb)
            code = 1
        # what a normal interpreter exit does: join non-daemon threads, run atexit handlers, flush
        try:
            import threading

            threading._shutdown()
        except BaseException:
            pass
        try:
            import atexit

            atexit._run_exitfuncs()
        except BaseException:
            pass
        run_s = time.perf_counter() - t0
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                code = code or 1
        msg = {"run_s": run_s}
        if cfg["mode"] == "call" and code == 0:
            try:
                msg["value"] = json.dumps(value, default=_unjsonable)
            except BaseException as exc:
                msg["value_error"] = repr(exc)[:500]
        os.write(res_w, json.dumps(msg).encode())
    except BaseException:
        try:
            traceback.print_exc()
        except BaseException:
            pass
    os._exit(code if isinstance(code, int) and 0 <= code < 256 else 1)


def _unjsonable(obj):
    # sets, custom objects: a tagged repr, which never equals a JSON-decoded expected value
    if isinstance(obj, (set, frozenset)):
        return {"__set__": sorted(map(repr, obj))}
    return {"__repr__": repr(obj)[:1000]}


def _find_callable(glb, name):
    if name in glb and callable(glb[name]):
        return glb[name]
    sol = glb.get("Solution")
    if isinstance(sol, type) and hasattr(sol, name):
        return getattr(sol(), name)
    raise NameError(f"function {name!r} is not defined (neither at top level nor in class Solution)")


def _kill_rest(pgid, in_pidns):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass
    if in_pidns:
        # everything else in this private pid namespace except us and its init: setsid daemons too
        # repeated: a fork loop can add processes behind one sweep
        for _ in range(4):
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                break


def _run_one(cfg, test, in_pidns):
    data = test.get("stdin", "").encode("utf-8", "surrogateescape")
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    res_r, res_w = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(in_r, 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.dup2(res_w, 3)
            os.closerange(4, 1 << 16)
        except BaseException:
            os._exit(1)
        _child(cfg, test, 3)
    for fd in (in_r, out_w, err_w, res_w):
        os.close(fd)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    deadline = t0 + cfg["timeout_s"]
    cap = cfg["output_limit"]
    bufs = {out_r: bytearray(), err_r: bytearray(), res_r: bytearray()}
    caps = {out_r: cap, err_r: cap, res_r: cap}
    open_fds = {out_r, err_r, res_r}
    for fd in open_fds | {in_w}:
        os.set_blocking(fd, False)
    pos = 0
    if not data:
        os.close(in_w)
        in_w = -1
    status = None
    wstatus = None
    rusage = None
    try:
        pidfd = os.pidfd_open(pid)  # readable when the child exits: no polling
    except (AttributeError, OSError):
        pidfd = -1
    while True:
        if wstatus is None:
            got, ws, ru = os.wait4(pid, os.WNOHANG)
            if got == pid:
                wstatus, rusage = ws, ru
                # the child is gone: kill whatever it left behind so its pipes reach EOF
                _kill_rest(pid, in_pidns)
        if wstatus is not None and not open_fds:
            break
        now = time.monotonic()
        if now >= deadline and wstatus is None:
            status = "timeout"
            _kill_rest(pid, in_pidns)
            _, wstatus, rusage = os.wait4(pid, 0)
            continue
        if wstatus is not None and now > deadline + 2.0:
            break  # a pipe held open by something unkillable (no pid namespace): give up on it
        rfds = list(open_fds)
        if wstatus is None:
            rfds.append(pidfd) if pidfd >= 0 else None
        wfds = [in_w] if in_w >= 0 else []
        wait = deadline - now if wstatus is None else deadline + 2.0 - now
        if pidfd < 0 and wstatus is None:
            wait = min(wait, 0.005)
        try:
            r, w, _ = select.select(rfds, wfds, [], max(0.0, wait))
        except InterruptedError:
            continue
        for fd in w:
            try:
                pos += os.write(fd, data[pos : pos + _READ])
            except BlockingIOError:
                pass
            except OSError:  # the program closed its stdin: fine
                pos = len(data)
            if pos >= len(data):
                os.close(in_w)
                in_w = -1
        for fd in r:
            if fd == pidfd:
                continue
            try:
                chunk = os.read(fd, _READ)
            except BlockingIOError:
                continue
            if not chunk:
                open_fds.discard(fd)
                os.close(fd)
                continue
            buf = bufs[fd]
            room = caps[fd] - len(buf)
            buf += chunk[: max(room, 0)]
            if len(chunk) > room:
                if fd == out_r or fd == res_r:
                    status = status or "output_limit"
                    _kill_rest(pid, in_pidns)
                # stderr past the cap is drained and dropped
        if wstatus is None and status == "output_limit":
            _, wstatus, rusage = os.wait4(pid, 0)
    if pidfd >= 0:
        os.close(pidfd)
    for fd in list(open_fds) + ([in_w] if in_w >= 0 else []):
        try:
            os.close(fd)
        except OSError:
            pass
    wall = time.monotonic() - t0
    exit_code = None
    signo = None
    if wstatus is not None:
        if os.WIFEXITED(wstatus):
            exit_code = os.WEXITSTATUS(wstatus)
        elif os.WIFSIGNALED(wstatus):
            signo = os.WTERMSIG(wstatus)
            exit_code = -signo
    stderr = bytes(bufs[err_r]).decode("utf-8", "replace")
    res = {}
    if bufs[res_r]:
        try:
            res = json.loads(bytes(bufs[res_r]))
        except ValueError:
            res = {}
    peak = (rusage.ru_maxrss / 1024.0) if rusage is not None else 0.0
    if status is None:
        if signo == signal.SIGXCPU or (
            signo == signal.SIGKILL
            and rusage is not None
            and _cpu(rusage) >= int(cfg["timeout_s"]) + 1 - 0.05
        ):
            status = "timeout"
        elif exit_code == 0 and "value_error" not in res:
            status = "ok"
        elif "MemoryError" in stderr[-2000:] or peak >= cfg["memory_mb"]:
            status = "memory"
        else:
            status = "error"
    out = {
        "status": status,
        "stdout": bytes(bufs[out_r]).decode("utf-8", "surrogateescape"),
        "stderr": stderr,
        "exit_code": exit_code,
        "wall_s": round(wall, 6),
        "run_s": res.get("run_s"),
        "peak_rss_mb": round(peak, 2),
    }
    if "value" in res:
        out["value"] = res["value"]
    if "value_error" in res:
        out["stderr"] = (stderr + "\nreturn value cannot be serialised: " + res["value_error"])[-cap:]
    return out


def _cpu(ru):
    return ru.ru_utime + ru.ru_stime


def _exit_builtins():
    # the harness runs with -S (no site: faster start); give programs the exit()/quit() that site adds
    import builtins

    def _exit(code=None):
        raise SystemExit(code)

    for name in ("exit", "quit"):
        if not hasattr(builtins, name):
            setattr(builtins, name, _exit)


def main():
    _set_dumpable(0)
    _exit_builtins()
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    ctl = open(0, "rb", buffering=0, closefd=False)
    out = open(1, "wb", buffering=0, closefd=False)
    line = b""
    while not line.endswith(b"\n"):
        chunk = ctl.read(1 << 20)
        if not chunk:
            break
        line += chunk
    head, _, rest = line.partition(b"\n")
    cfg = json.loads(head)
    pending = bytearray(rest)
    try:
        sys.set_int_max_str_digits(0)
    except AttributeError:
        pass
    numpy_ok = False
    if cfg.get("preimport_numpy"):
        try:
            import numpy  # noqa: F401  (children inherit the import: no 100 ms per test)

            numpy_ok = True
        except Exception:
            numpy_ok = False
    try:  # once, before the forks: every test's child inherits the code object
        cfg["_compiled"] = compile(cfg["code"], "solution.py", "exec")
    except (SyntaxError, ValueError):
        pass  # each child compiles again and reports the error as the program's own
    in_pidns = bool(cfg.get("in_pidns")) and os.getpid() <= 3
    ready = {"ready": True, "python": sys.version.split()[0], "pid": os.getpid(), "uid": os.getuid()}
    ready["numpy"] = numpy_ok
    out.write(json.dumps(ready).encode() + b"\n")
    for i, test in enumerate(cfg["tests"]):
        res = _run_one(cfg, test, in_pidns)
        res["i"] = i
        out.write(json.dumps(res).encode() + b"\n")
        while b"\n" not in pending:
            chunk = ctl.read(64)
            if not chunk:
                return
            pending += chunk
        cmd, _, rest2 = bytes(pending).partition(b"\n")
        pending = bytearray(rest2)
        if cmd.strip() != b"n":
            return


if __name__ == "__main__":
    main()
