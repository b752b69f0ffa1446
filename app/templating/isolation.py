"""Renders in a child process, so that a template can never take the web
process down, even through a hole in the sandbox nobody knows of yet.

The child is forked from the calling process (it shares the loaded code
and the context it is given, and copies nothing until it writes), allowed
CHILD_MEMORY_MB more address space than its parent had (RLIMIT_AS), and
killed when it runs CHILD_GRACE_SECONDS past the render's deadline. Its
answer comes back pickled through a pipe.

Cost, measured on a busy 2-core VM with the app loaded (105 MB resident):
the default year-end statement renders in 14 ms in-process and 33-45 ms
isolated. The difference is the fork and exit of the loaded process (the
kernel copies its page tables; a bare fork and exit of it costs as much,
a small Python process forks in 3 ms), not the pipe or the pickling.

Where os.fork does not exist (Windows), the render runs in-process with
the in-process limits alone.
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import time
import traceback

from app.templating import errors
from app.templating.errors import TemplateProblem
from app.templating.limits import Limits
from app.templating.limits import current as current_limits


class IsolatedFailure(RuntimeError):
    """The function run in the child raised something other than a
    TemplateProblem: a bug, reported with the child's traceback."""


def run(function, *args, limits: Limits | None = None):
    """function(*args) in a child process; what it returns, or the
    TemplateProblem it raised (or the one for memory or time)."""
    limits = limits or current_limits()
    if not hasattr(os, "fork"):
        return function(*args)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        _child(read_end, write_end, function, args, limits)
    os.close(write_end)
    answer, finished = None, False
    try:
        answer, finished = _read(read_end, limits)
    finally:
        os.close(read_end)
        if answer is None:  # still running: past its time, or saying too much
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if not finished:
        raise errors.too_slow(limits)
    return _outcome(answer)


def _child(read_end: int, write_end: int, function, args: tuple, limits: Limits) -> None:
    """Run in the forked child; never returns."""
    status = 1
    try:
        os.close(read_end)
        _cap_memory(limits.memory_mb)
        try:
            answer = pickle.dumps(("ok", function(*args)))
        except TemplateProblem as problem:
            answer = pickle.dumps(("problem", str(problem)))
        except MemoryError:
            answer = pickle.dumps(("memory", None))
        except BaseException:  # anything else is a bug: its traceback goes to the parent
            answer = pickle.dumps(("failed", traceback.format_exc()))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(answer)
        status = 0
    finally:
        os._exit(status)  # no atexit handlers, no flushing the parent's buffers


def _cap_memory(megabytes: int) -> None:
    """Allow this process `megabytes` more address space than it has now."""
    try:
        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:  # no /proc: RLIMIT_AS is not enforced there either (macOS)
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = size + megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _read(fd: int, limits: Limits) -> tuple[bytes | None, bool]:
    """The child's answer (None when it has more to say than an answer can
    hold), and whether it came before the timeout."""
    deadline = time.monotonic() + limits.child_timeout
    chunks, size = [], 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return None, False
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks), True
        size += len(chunk)
        if size > limits.result_bytes:  # only a hole in the sandbox could send this much
            return None, True
        chunks.append(chunk)


def _outcome(answer: bytes | None):
    try:
        kind, value = pickle.loads(answer)  # noqa: S301 (our own child's answer)
    except (TypeError, pickle.UnpicklingError, EOFError):  # killed by the memory cap or the system
        raise errors.too_much_memory() from None
    if kind == "ok":
        return value
    if kind == "problem":
        raise TemplateProblem(value)
    if kind == "memory":
        raise errors.too_much_memory()
    raise IsolatedFailure(value)
