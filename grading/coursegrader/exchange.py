"""nbgrader's collect, refusing submissions made under another student's name.

On a shared machine any student can run ``nbgrader submit --student=CLASSMATE``: the exchange's
inbound folder takes a submission from anyone, named by what the submitter claims. nbgrader's
collect compares the claimed name with the folder's owner but only warns (``check_owner``), and
collects the newest submission per name: a forged one would replace the classmate's work.

:class:`OwnerCheckedCollect` collects, for each student, the newest submission that the student's
own account made, and skips (with an error in the log) every submission whose owner is not the
student it names. The course hub selects it (``c.ExchangeFactory.collect``).
"""

from __future__ import annotations

import os
import pwd

from nbgrader.exchange.default.collect import ExchangeCollect

__all__ = ["OwnerCheckedCollect"]


class OwnerCheckedCollect(ExchangeCollect):
    """Collect only submissions owned by the account of the student they name."""

    def _owner(self, record):
        try:
            return pwd.getpwuid(os.stat(os.path.join(self.inbound_path, record["filename"])).st_uid).pw_name
        except (KeyError, OSError):
            return None

    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        record["owner"] = self._owner(record)
        if record["owner"] != record["username"]:
            self.log.error("NOT COLLECTED: %s claims to be submitted by %s but was submitted by %s",
                           record["filename"], record["username"], record["owner"] or "an unknown account")
        return record

    def _sort_by_timestamp(self, records):
        # The student's own submissions first (newest first), forged ones after: nbgrader takes the first.
        return sorted(records, key=lambda r: (r["owner"] == r["username"], r["timestamp"]), reverse=True)

    def init_src(self):
        super().init_src()
        self.src_records = [r for r in self.src_records if r["owner"] == r["username"]]
