"""Re-encrypting every stored secret under the current key, so an old key can be retired.

Every `EncryptedText` column of every table is rewritten in one transaction: a key that reads
nothing stops the whole run with nothing changed. The ciphertext is read and written as raw
text, so no secret passes through the models or the logs.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Column, Table, Text, select, type_coerce, update
from sqlalchemy.orm import Session

from shared import crypto
from shared.models import Base
from shared.models.base import EncryptedText


def reencrypt_secrets(db: Session) -> int:
    """Rewrite every stored secret under the first configured key; returns how many."""
    count = 0
    for table, column in _encrypted_columns():
        raw = type_coerce(column, Text)
        key = list(table.primary_key.columns)
        rows = db.execute(select(*key, raw.label("token")).where(column.is_not(None))).all()
        for row in rows:
            token = crypto.reencrypt(row.token)
            match = [c == getattr(row, c.name) for c in key]
            db.execute(update(table).where(*match).values({column.name: type_coerce(token, Text)}))
            count += 1
    return count


def _encrypted_columns() -> Iterator[tuple[Table, Column]]:
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                yield table, column
