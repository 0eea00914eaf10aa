"""What the operating system said, in the interface language.

An error from the system (``Permission denied``) reaches a message as the
reason in ``{path}: cannot be written ({reason})``, either as the ``OSError``
itself or as its text. Both are said in the interface language here, so that no
English is left inside the Chinese interface; a reason the table does not know
is named by its code (``EXDEV``) rather than in English.
"""

from __future__ import annotations

import errno
import os

from telbill.text.i18n import Tr

KNOWN = (errno.EACCES, errno.EPERM, errno.ENOENT, errno.EISDIR, errno.ENOTDIR, errno.EROFS, errno.ENOSPC,
         errno.EDQUOT, errno.EEXIST, errno.EBUSY, errno.ELOOP, errno.ENAMETOOLONG, errno.EFBIG, errno.EIO,
         errno.EMFILE, errno.ENXIO, errno.ETXTBSY, errno.EXDEV, errno.EINVAL)
"""The system errors with a sentence of their own (``os.EACCES`` in the message catalog)."""
_BY_TEXT = {os.strerror(code): code for code in KNOWN}


def os_reason(value: object, tr: Tr) -> object:
    """``value`` said in ``tr``'s language when it is a system error or the text of one;
    anything else as it is."""
    if isinstance(value, OSError):
        code = value.errno
        if code in KNOWN:
            return tr(f"os.{errno.errorcode[code]}")
        name = errno.errorcode.get(code or 0)
        return tr("os.other", code=name) if name else tr("os.unknown")
    if isinstance(value, str) and value in _BY_TEXT:
        return tr(f"os.{errno.errorcode[_BY_TEXT[value]]}")
    return value
