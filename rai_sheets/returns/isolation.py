"""Reading untrusted files in worker processes that may die: a crash, an abort or a blown budget
costs only the file being read, and every other file is read as usual.

Workers are forked, so they inherit what the parent has loaded (the content) and nothing but
results is pickled. Each worker sets its own limits before reading: an address space a fixed
headroom above what it started with (a reader asking for 51 GB gets an allocation failure at
once, not the machine's memory), CPU seconds per file (raised before each file), no core
dumps, and its stderr sent to a private file, so that a dying reader's last words never reach
the console. The parent hands each worker a few files ahead and keeps, per worker, the files
it has not answered for yet; a worker that dies was on the first of them, which gets the
verdict (`reader-crashed`, `too-large-when-read`, `too-slow-when-read`), and the others go to
a fresh worker. A worker that stops using CPU but does not finish is stopped after a wall-clock
limit.

Results from one template share objects (the map of answer cells): `shared` marks such an
object, and each worker sends it once rather than once per file (an attribute of a result that
is a shared object travels as a reference after its first trip).
"""

from __future__ import annotations

import contextlib
import copy
import faulthandler
import multiprocessing
import os
import pickle
import re
import resource
import signal
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import IO, Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
MB = 1024 * 1024
IN_FLIGHT = 4  # files handed to a worker ahead, so that it never waits for the next one
READY = "ready"
ALLOCATION = re.compile(rb"memory allocation of (\d+) bytes failed")


@dataclass(frozen=True)
class Limits:
    memory: int = 512 * MB  # address space a worker may use beyond what it started with
    cpu_seconds: int = 30  # per file
    wall_seconds: float = 180.0  # per file, for a worker that hangs without using CPU


@dataclass(frozen=True)
class Failure:
    """Why a file has no result: an issue code and its parameters."""

    code: str
    params: dict[str, Any]


# Objects shared by many results, sent once per worker: id -> (object, token).
_SHARED: dict[int, tuple[Any, str]] = {}


def shared(obj: T) -> T:
    """Mark an object that many results refer to (it must stay alive while they are sent)."""
    if id(obj) not in _SHARED:
        _SHARED[id(obj)] = (obj, f"{os.getpid()}:{id(obj)}")
    return obj


def run_isolated(
    items: Sequence[T],
    work: Callable[[T], R],
    failed: Callable[[T, Failure], R],
    *,
    workers: int,
    limits: Limits | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[R]:
    """`work(item)` for every item, in worker processes; `failed(item, why)` for an item whose
    worker died on it. Results come back in the order of `items`."""
    limits = limits or Limits()
    if not items:
        return []
    if "fork" not in multiprocessing.get_all_start_methods():  # no isolation without fork
        return _in_process(items, work, progress)
    run = _Run(items, work, limits, max(1, min(workers, len(items))))
    try:
        while run.done < len(items):
            run.step(failed, progress)
    finally:
        run.stop()
    return run.results  # type: ignore[return-value]  # every slot is filled by now


def _in_process(
    items: Sequence[T], work: Callable[[T], R], progress: Callable[[int, int], None] | None
) -> list[R]:
    out = []
    for i, item in enumerate(items):
        out.append(work(item))
        if progress:
            progress(i + 1, len(items))
    return out


class _Worker:
    def __init__(self, run: _Run) -> None:
        debug = os.environ.get("RAI_SHEETS_DEBUG") == "1"
        # closed in stop(), when the worker is done with it
        self.stderr: IO[bytes] | None = None if debug else tempfile.TemporaryFile()  # noqa: SIM115
        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe()
        fd = self.stderr.fileno() if self.stderr else None
        self.process = ctx.Process(
            target=_serve, args=(child, run.items, run.work, run.limits, fd), daemon=True
        )
        self.process.start()
        child.close()
        self.pending: deque[int] = deque()
        self.since = time.monotonic()
        self.ready = False
        self.dead = False
        self.overdue = False

    def feed(self, queue: deque[int]) -> None:
        while queue and len(self.pending) < IN_FLIGHT and not self.dead:
            index = queue.popleft()
            try:
                self.conn.send(index)
            except OSError:
                queue.appendleft(index)
                self.dead = True
                return
            if not self.pending:
                self.since = time.monotonic()
            self.pending.append(index)

    def received(self) -> list[tuple[int, bytes]]:
        """Results waiting in the pipe; marks the worker dead when the pipe has closed."""
        out = []
        try:
            while self.conn.poll():
                message = self.conn.recv_bytes()
                if message == READY.encode():
                    self.ready = True
                    continue
                out.append((self.pending.popleft(), message))
                self.since = time.monotonic()
        except (EOFError, OSError):
            self.dead = True
        return out

    def verdict(self, limits: Limits) -> Failure:
        """Why the worker died, from how it ended and the last words it wrote."""
        self.process.join(timeout=5)
        code = self.process.exitcode
        tail = b""
        if self.stderr is not None:
            self.stderr.seek(0, os.SEEK_END)
            self.stderr.seek(max(0, self.stderr.tell() - 65536))
            tail = self.stderr.read()
        allocation = ALLOCATION.search(tail)
        limit = limits.memory // MB
        if allocation:
            asked = int(allocation.group(1))
            detail = (
                {"detail": "word.reader_asked_gb", "asked": round(asked / 1024**3)}
                if asked >= 1024**3
                else {"detail": "word.reader_asked", "asked": round(asked / MB)}
            )
            return Failure("too-large-when-read", detail | {"limit": limit})
        if b"MemoryError" in tail or b"Cannot allocate memory" in tail:
            detail = {"detail": "word.reader_out_of_memory", "limit": limit}
            return Failure("too-large-when-read", detail)
        if self.overdue or code == -signal.SIGXCPU:
            seconds = limits.cpu_seconds if not self.overdue else int(limits.wall_seconds)
            return Failure("too-slow-when-read", {"seconds": seconds})
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            return Failure("reader-crashed", {"detail": "word.reader_signal", "signal": name})
        return Failure("reader-crashed", {"detail": "word.reader_exit", "status": code})

    def stop(self) -> None:
        if self.process.is_alive() and not self.dead:
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()
        if self.stderr is not None:
            self.stderr.close()


class _Run(Generic[T, R]):
    """One isolated run: the queue of items, the workers, the results so far."""

    def __init__(self, items: Sequence[T], work: Callable[[T], R], limits: Limits, n: int):
        self.items, self.work, self.limits, self.size = items, work, limits, n
        self.queue: deque[int] = deque(range(len(items)))
        self.results: list[R | None] = [None] * len(items)
        self.done = 0
        self.pool: list[_Worker] = []
        self.shared: dict[str, Any] = {}
        self.failed_starts = 0

    def step(
        self, failed: Callable[[T, Failure], R], progress: Callable[[int, int], None] | None
    ) -> None:
        while self.queue and len(self.pool) < self.size:
            self.pool.append(_Worker(self))
        for w in self.pool:
            w.feed(self.queue)
        handles: list[Any] = [w.conn for w in self.pool] + [w.process.sentinel for w in self.pool]
        wait(handles, timeout=1.0)
        for w in list(self.pool):
            for index, message in w.received():
                ok, value = self._unpack(message)
                self._finish(index, value if ok else failed(self.items[index], value), progress)
            if not w.dead and w.pending and self._overdue(w):
                w.overdue, w.dead = True, True
                w.process.kill()
            if w.dead or w.process.exitcode is not None and not w.conn.poll():
                self._bury(w, failed, progress)

    def _overdue(self, w: _Worker) -> bool:
        return time.monotonic() - w.since > self.limits.wall_seconds

    def _bury(
        self,
        w: _Worker,
        failed: Callable[[T, Failure], R],
        progress: Callable[[int, int], None] | None,
    ) -> None:
        """A worker died: the file it was on gets the verdict, the rest go back in the queue."""
        w.dead = True
        self.pool.remove(w)
        why = w.verdict(self.limits)
        if w.pending and w.ready:
            index = w.pending.popleft()
            self._finish(index, failed(self.items[index], why), progress)
        elif not w.ready:  # it died before reading anything: not a file's doing
            self.failed_starts += 1
            if self.failed_starts > 3:
                w.stop()
                raise RuntimeError(f"worker processes cannot start ({why.params})")
        self.queue.extendleft(reversed(w.pending))
        w.pending.clear()
        w.stop()

    def _finish(self, index: int, result: Any, progress: Callable[[int, int], None] | None) -> None:
        self.results[index] = result
        self.done += 1
        if progress:
            progress(self.done, len(self.items))

    def _unpack(self, message: bytes) -> tuple[bool, Any]:
        new, (ok, value) = pickle.loads(message)
        self.shared.update(new)
        if hasattr(value, "__dict__"):
            attrs = vars(value)
            for key, held in list(attrs.items()):
                if isinstance(held, _Ref):
                    attrs[key] = self.shared[held.token]
        return ok, value

    def stop(self) -> None:
        for w in self.pool:
            w.stop()
        self.pool.clear()


@dataclass(frozen=True)
class _Ref:
    """Stands for a shared object the worker has sent (or sends in the same message)."""

    token: str


def _serve(
    conn: Connection, items: Sequence[Any], work: Callable[[Any], Any], limits: Limits, fd: Any
) -> None:
    """The worker: set its limits, then read the files it is handed until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if fd is not None:
        os.dup2(fd, 2)
        if faulthandler.is_enabled():  # a dump on a fatal signal goes where the rest goes
            faulthandler.enable(file=2)
    os.environ["RUST_BACKTRACE"] = "0"  # a reader's last words in one line, not a backtrace
    _limit(resource.RLIMIT_CORE, 0)
    start = _address_space()
    if start:
        _limit(resource.RLIMIT_AS, start + limits.memory)
    sent: set[str] = set()
    conn.send_bytes(READY.encode())
    while True:
        try:
            index = conn.recv()
        except (EOFError, OSError):
            return
        if index is None:
            return
        used = resource.getrusage(resource.RUSAGE_SELF)
        _limit(resource.RLIMIT_CPU, int(used.ru_utime + used.ru_stime) + limits.cpu_seconds)
        try:
            outcome: tuple[bool, Any] = (True, work(items[index]))
        except MemoryError:
            detail = {"detail": "word.reader_out_of_memory", "limit": limits.memory // MB}
            outcome = (False, Failure("too-large-when-read", detail))
        conn.send_bytes(_pack(outcome, sent))


def _pack(outcome: tuple[bool, Any], sent: set[str]) -> bytes:
    """The outcome pickled, its result's shared attributes sent once and referred to after."""
    ok, value = outcome
    new: dict[str, Any] = {}
    if hasattr(value, "__dict__"):
        swapped = {}
        for key, held in vars(value).items():
            entry = _SHARED.get(id(held))
            if entry is not None and entry[0] is held:
                swapped[key] = _Ref(entry[1])
                if entry[1] not in sent:
                    new[entry[1]] = held
                    sent.add(entry[1])
        if swapped:
            value = copy.copy(value)
            vars(value).update(swapped)
    return pickle.dumps((new, (ok, value)), protocol=pickle.HIGHEST_PROTOCOL)


def _limit(which: int, soft: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


def _address_space() -> int:
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0
