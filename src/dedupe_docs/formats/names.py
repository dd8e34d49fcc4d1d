"""Document ids → safe file names, for every place where an id would become a path.

Record ids come from the data (a crawl, a dump) and may be anything: ``../../etc/x``, ``/abs``,
``CON``, ``..``, a NUL, 10,000 characters. Outputs are named after ids only through
:func:`safe_name`, which never yields a separator, a dot name, a reserved name or a long name,
and keeps distinct ids distinct.
"""

from __future__ import annotations

import hashlib
import unicodedata

import regex

MAX_SLUG = 64
_UNSAFE = regex.compile(r"[^A-Za-z0-9_-]+")  # no dot: Windows reserves "nul.txt" too


def safe_name(doc_id: str) -> str:
    """A portable file name for ``doc_id``: a readable ASCII slug plus a hash of the whole id.

    At most 77 characters of ``[A-Za-z0-9_-]`` (no dot, no separator), identical for
    identical ids and different for different ones (the 48-bit BLAKE2b suffix).

    >>> safe_name("../../etc/passwd")
    'etc_passwd-3fe5b8a45dc8'
    >>> safe_name("Été 2024")
    'Ete_2024-f5aa9cfd9d04'
    """
    digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()
    folded = unicodedata.normalize("NFKD", doc_id).encode("ascii", "ignore").decode("ascii")
    slug = _UNSAFE.sub("_", folded).strip("_-")[:MAX_SLUG].rstrip("_-")
    return f"{slug or 'id'}-{digest}"
