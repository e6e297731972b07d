"""The SQLite backend's writer queue: write transactions hold a lock file, nothing else does."""

from __future__ import annotations

import fcntl
import os
import threading

import pytest
from django.db import connection, transaction

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lock_path() -> str:
    if connection.vendor != "sqlite":
        pytest.skip("the writer queue belongs to the SQLite backend")
    path = connection._writer_lock_path()  # type: ignore[attr-defined]
    assert path is not None
    return str(path)


def _free(path: str) -> bool:
    """Whether another file description could take the lock right now."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def test_held_only_inside_a_write_transaction(lock_path: str) -> None:
    assert _free(lock_path)
    with transaction.atomic():
        assert not _free(lock_path)
    assert _free(lock_path)


def test_released_when_the_transaction_rolls_back(lock_path: str) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        assert not _free(lock_path)
        raise RuntimeError("undo")
    assert _free(lock_path)


def test_concurrent_writers_queue_instead_of_failing(lock_path: str) -> None:
    from django.utils import timezone

    from shaobao.cases.services.numbering import case_number_next

    threads, per_thread = 8, 15
    numbers: list[str] = []
    errors: list[BaseException] = []
    guard = threading.Lock()

    def work() -> None:
        try:
            for _ in range(per_thread):
                with transaction.atomic():
                    n = case_number_next(timezone.now())
                with guard:
                    numbers.append(n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    assert not errors, errors
    assert len(numbers) == threads * per_thread
    assert len(set(numbers)) == len(numbers)
    assert _free(lock_path)
