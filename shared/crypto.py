"""Secrets at rest: Fernet encryption with keys from configuration.

`SYNDIKAT_SECRET_KEY` holds one or more comma-separated keys; the first encrypts, all decrypt,
so keys can be rotated. Without it (the embedded `make run` setup) a key is generated once into
`var/secret.key`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from shared.config import get_settings


class SecretDecryptionError(RuntimeError):
    """A stored secret cannot be read with the configured keys."""


def _as_fernet_key(raw: str) -> bytes:
    # Operators paste anything as a key; hashing turns any text into a valid Fernet key
    # while a proper Fernet key (from `Fernet.generate_key()`) is used as it is.
    try:
        if len(base64.urlsafe_b64decode(raw.encode())) == 32:
            return raw.encode()
    except (ValueError, TypeError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(raw.encode()).digest())


def _configured_keys() -> list[str]:
    settings = get_settings()
    configured = settings.secret_key.get_secret_value()
    if configured:
        return [key.strip() for key in configured.split(",") if key.strip()]
    key_file = settings.var_dir / "secret.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key())
    return [key_file.read_text().strip()]


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(_as_fernet_key(key)) for key in _configured_keys()])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretDecryptionError(
            "a stored secret cannot be decrypted: "
            "is SYNDIKAT_SECRET_KEY the key it was written with?"
        ) from exc


def reencrypt(token: str) -> str:
    """The same secret encrypted under the current (first) key, read with any configured key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretDecryptionError(
            "a stored secret cannot be re-encrypted: "
            "none of the keys in SYNDIKAT_SECRET_KEY reads it"
        ) from exc


def derived_keys(purpose: str) -> list[bytes]:
    """Keys for one purpose (e.g. signing dashboard sessions), derived from the configured keys.

    The current key's comes first. Operators keep one secret, and rotating it rotates these too.
    """
    return [hmac.digest(key.encode(), purpose.encode(), "sha256") for key in _configured_keys()]


def reset_keys() -> None:
    """Forget cached keys (tests and key rotation)."""
    _fernet.cache_clear()
