"""Lines wrap at spaces, never at a no-break space: an amount stays on one line.

Amounts and counts in running text group their thousands with a no-break space ("47 779 949,28
kr", ``domain.money.format_kronor``), so that a line never ends in the middle of one. But Rich
finds the words of a line with ``\\s`` and ``\\S``, and in Python a no-break space is ``\\s``:
Textual (which wraps every Static with Rich's ``divide_line``) broke "totalt 47 | 779 949,28 kr."
at 80 columns. The app imports this module once, before anything is drawn; it gives Rich's word
pattern the same meaning without the no-break space among the spaces.
"""

from __future__ import annotations

import re

from rich import _wrap

NO_BREAK = "\u00a0"

_wrap.re_word = re.compile(rf"[^\S{NO_BREAK}]*[\S{NO_BREAK}]+[^\S{NO_BREAK}]*")
