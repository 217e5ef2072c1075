"""Content streams tokenised by qpdf (pikepdf), executed by pdfminer.

Reading a text-heavy PDF with pdfminer spends ~70 % of its time in the pure-Python
tokeniser of page content streams (`PDFContentParser`): the government reports position
almost every glyph with its own operators, so a page is thousands of tokens. qpdf parses
the same bytes in C++ ~25x faster. `FastInterpreter` keeps everything else of pdfminer
(fonts, CMaps, text state, the device that builds the characters) and only swaps how the
operands and operators of a stream are found; operands are turned into the objects
pdfminer's own parser would have made (ints, floats, bytes, `PSLiteral`s, lists, dicts),
so the characters come out identical (tests/test_ingest_content.py compares both paths).

A stream is first tokenised and converted whole, and only then executed, so any stream qpdf
refuses or warns about (a damaged stream: qpdf drops what follows the damage), one holding a
carriage return (see `tokenize`) or one whose operands do not convert is executed by
pdfminer's own parser instead, unchanged. Known differences left on streams no test PDF has:
an unknown escape in a literal string (`\\q`: qpdf keeps `q` as the standard says, pdfminer
drops it), an inline image sized by /Width and /Height rather than /W and /H (counted as an
image here, not by pdfminer), integers beyond 64 bits and exponent-style numbers.
"""
from __future__ import annotations

import logging
import threading
import warnings
from decimal import Decimal
from typing import Any, Sequence

log = logging.getLogger(__name__)


def _literal(raw: bytes):
    """A pikepdf Name, as written (`/F#231`) -> pdfminer's PSLiteral: #xx escapes decoded, then
    UTF-8 when it decodes, else the bytes (what pdfminer's own parser makes of the token)."""
    from pdfminer.psparser import LIT
    raw = raw[1:]
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i:i + 1] == b"#":
            try:
                out.append(int(raw[i + 1:i + 3], 16))
                i += 3
                continue
            except ValueError:
                pass
        out.append(raw[i])
        i += 1
    try:
        return LIT(bytes(out).decode("utf-8"))
    except UnicodeDecodeError:
        return LIT(bytes(out))


_SKIP = object()   # an operand pdfminer's parser would not push (`null` is a keyword to it)


class _Converter:
    """pikepdf operands -> the Python objects of pdfminer's content parser."""

    def __init__(self) -> None:
        import pikepdf
        from pdfminer.psparser import KWD
        ot = pikepdf.ObjectType
        self.name_code = ot.name_
        self.by_code = {
            ot.string: bytes,
            ot.array: self.array,
            ot.dictionary: self.dictionary,
            ot.integer: int,
            ot.real: lambda o: float(Decimal(str(o))),
            ot.boolean: bool,
            ot.null: lambda o: _SKIP,
            ot.operator: lambda o: KWD(o.unparse()),
        }
        self.names: dict[bytes, Any] = {}   # the same font and resource names recur all document long

    def value(self, o: Any) -> Any:
        t = type(o)
        if t is int or t is bool:
            return o
        if t is Decimal:
            return float(o)
        if o is None:
            return _SKIP
        code = o._type_code
        if code is self.name_code:
            key = o.unparse()
            lit = self.names.get(key)
            if lit is None:
                lit = self.names[key] = _literal(key)
            return lit
        return self.by_code[code](o)

    def array(self, o: Any) -> list:
        return [v for v in (self.value(x) for x in o) if v is not _SKIP]

    def dictionary(self, o: Any) -> dict:
        """As pdfminer builds a dictionary: keys without the slash, null values dropped."""
        out = {}
        for k, v in o.items():
            val = self.value(v)
            if val is not _SKIP:
                out[str(k)[1:]] = val
        return out


_PARSE_LOCK = threading.Lock()


def tokenize(data: bytes, conv: _Converter) -> list[tuple[str, list]] | None:
    """The stream's instructions as (operator, pdfminer operands), or None when pdfminer's own
    parser should read it: qpdf refused the stream or warned (it recovers from damage by
    dropping what follows), the stream holds a carriage return (qpdf reads an unescaped CR or
    CRLF inside a literal string as LF, as the PDF standard says; pdfminer keeps the bytes, and
    a two-byte font then shows other characters), or an operand would not convert."""
    import pikepdf
    if b"\r" in data:
        return None
    try:
        with _PARSE_LOCK, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pikepdf.new() as scratch:   # one throwaway PDF per stream: nothing accumulates
                instrs = pikepdf.parse_content_stream(pikepdf.Stream(scratch, data))
                out: list[tuple[str, list]] = []
                value = conv.value
                for ins in instrs:
                    op = str(ins.operator)
                    if op == "INLINE IMAGE":
                        img = ins.operands[0]
                        out.append((op, [img.width, img.height]))
                        continue
                    out.append((op, [v for v in map(value, ins.operands) if v is not _SKIP]))
        # only qpdf's own warnings count (another thread's warning may land in the list too)
        if any("pikepdf" in (w.filename or "") for w in caught):
            log.info("qpdf warned on a content stream (%s); pdfminer parses it", caught[0].message)
            return None
        return out
    except Exception as exc:   # let pdfminer's tolerant parser have it
        log.info("qpdf could not tokenise a content stream (%s); pdfminer parses it", exc)
        return None


def interpreter_class():
    """A PDFPageInterpreter whose `execute` takes its tokens from qpdf."""
    from pdfminer.pdfinterp import PDFPageInterpreter
    from pdfminer.pdftypes import PDFStream, stream_value

    class FastInterpreter(PDFPageInterpreter):
        conv: _Converter | None = None

        def dup(self) -> "FastInterpreter":
            new = super().dup()
            new.conv = self.conv
            return new

        def execute(self, streams: Sequence[object]) -> None:
            valid: list = []
            self.stream_ids.clear()
            for obj in streams:
                stream = stream_value(obj)
                if stream.objid is None or stream.objid in self.parent_stream_ids:
                    return super().execute(streams)   # pdfminer warns about and skips these itself
                valid.append(stream)
                self.stream_ids.add(stream.objid)
            if self.conv is None:
                self.conv = _Converter()
            try:
                # streams meet at token boundaries (PDF 7.8.2): joined with a line end
                data = b"\n".join(s.get_data() for s in valid)
            except Exception:
                return super().execute(streams)
            instrs = tokenize(data, self.conv) if data.strip() else []
            if instrs is None:
                return super().execute(streams)
            calls = _calls(type(self))
            stack = self.argstack
            for op, operands in instrs:
                call = calls.get(op)
                if call is None:
                    call = calls[op] = _call(type(self), op)
                fn, nargs = call
                if fn is _INLINE_IMAGE:   # pdfminer: BI … ID <data> EI -> do_EI(the image stream)
                    self.do_EI(PDFStream({"W": operands[0], "H": operands[1]}, b""))
                    continue
                stack.extend(operands)
                if fn is None:
                    continue        # not an operator pdfminer knows: its operands stay, as there
                if nargs:
                    # pdfminer's pop(n): the last n operands, the call only when there are n
                    args = stack[-nargs:]
                    del stack[-nargs:]
                    if len(args) == nargs:
                        fn(self, *args)
                else:
                    fn(self)
                stack = self.argstack   # an operator may have replaced the stack (init_state)

    return FastInterpreter


_CALLS: dict[type, dict[str, tuple[Any, int]]] = {}
_INLINE_IMAGE = object()   # marks the pseudo-operator pikepdf gives an inline image


def _calls(cls: type) -> dict[str, tuple[Any, int]]:
    """Operator -> (function, operand count) for an interpreter class, built as operators are met
    (functions, not bound methods: no reference cycle keeps an interpreter alive)."""
    return _CALLS.setdefault(cls, {})


def _call(cls: type, op: str) -> tuple[Any, int]:
    if op == "INLINE IMAGE":
        return _INLINE_IMAGE, 0
    name = "do_" + op.replace("*", "_a").replace('"', "_w").replace("'", "_q")
    fn = getattr(cls, name, None)
    if fn is None:
        return None, 0
    return fn, fn.__code__.co_argcount - 1
