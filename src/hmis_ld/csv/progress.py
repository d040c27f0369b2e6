"""How far an import has got, for a caller that shows it (a live import's status)."""

from __future__ import annotations

from collections.abc import Callable

# progress(files_done, files_total, rows_done): files whose records are written, files of the
# export the import reads, rows read so far (rejected ones included)
OnProgress = Callable[[int, int, int], None]
EVERY_ROWS = 5_000


class Progress:
    """Calls `on_progress` after each file is written and every EVERY_ROWS rows read."""

    def __init__(self, on_progress: OnProgress | None, files_total: int):
        self._call = on_progress
        self.files_total = files_total
        self.files_done = 0
        self.rows_done = 0

    def row(self) -> None:
        self.rows_done += 1
        if self._call is not None and self.rows_done % EVERY_ROWS == 0:
            self._call(self.files_done, self.files_total, self.rows_done)

    def file_done(self) -> None:
        self.files_done += 1
        if self._call is not None:
            self._call(self.files_done, self.files_total, self.rows_done)
