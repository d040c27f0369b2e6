"""What an import did, per file and per rejected row."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str | None
    reason: str
    severity: str = "rejected"  # or "warning": the row was stored
    value: str | None = None  # the value at fault, as read; None when blank or personal data


@dataclass
class FileStats:
    loaded: int = 0  # new records
    updated: int = 0  # replaced an older stored version
    unchanged: int = 0  # identical to what is stored
    skipped: int = 0  # older than what is stored (HUD's DateUpdated rule)
    rejected: int = 0


@dataclass
class ImportReport:
    files: dict[str, FileStats] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    quads_written: int = 0

    def stats(self, file: str) -> FileStats:
        return self.files.setdefault(file, FileStats())

    def reject(self, file: str, line: int, column: str | None, reason: str, value: str | None = None, *,
               count: bool = True) -> None:
        """A problem of a rejected row; `count=False` for a further problem of a row already counted."""
        self.stats(file).rejected += count
        self.problems.append(Problem(file, line, column, reason, "rejected", value))

    def warn(self, file: str, line: int, column: str | None, reason: str, value: str | None = None) -> None:
        self.problems.append(Problem(file, line, column, reason, "warning", value))

    @property
    def rejections(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "rejected"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def rows(self) -> int:
        return sum(s.loaded + s.updated + s.unchanged + s.skipped + s.rejected for s in self.files.values())

    def summary(self) -> str:
        lines = [f"{'file':<28}{'loaded':>9}{'updated':>9}{'unchanged':>11}{'skipped':>9}{'rejected':>10}"]
        for name, s in self.files.items():
            lines.append(f"{name:<28}{s.loaded:>9}{s.updated:>9}{s.unchanged:>11}{s.skipped:>9}{s.rejected:>10}")
        if self.ignored_files:
            lines.append("ignored (not part of HMIS CSV FY2026): " + ", ".join(self.ignored_files))
        reasons: dict[tuple[str, str], int] = {}
        for p in self.problems:
            key = (p.severity, p.reason.split(":")[0])
            reasons[key] = reasons.get(key, 0) + 1
        for (severity, reason), count in sorted(reasons.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {count:>7} {severity}: {reason}")
        return "\n".join(lines)
