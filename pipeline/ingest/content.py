"""Content streams tokenised by qpdf (pikepdf), executed by pdfminer.

Reading a text-heavy PDF with pdfminer spends ~70 % of its time in the pure-Python
tokeniser of page content streams (`PDFContentParser`): the government reports position
almost every glyph with its own operators, so a page is thousands of tokens. qpdf parses
the same bytes in C++ ~25x faster. `FastInterpreter` keeps everything else of pdfminer
(fonts, CMaps, text state, the device that builds the characters) and only swaps how the
operands and operators of a stream are found; operands are turned into the objects
pdfminer's own parser would have made (ints, floats, bytes, `PSLiteral`s, lists, dicts),
so the characters come out identical (tests/test_ingest_content.py compares both paths).

Any stream qpdf refuses or warns about (a damaged stream: qpdf drops what follows the
damage) is executed by pdfminer's own parser, unchanged, so a damaged stream reads as before.
"""
from __future__ import annotations

import logging
import warnings
from decimal import Decimal
from typing import Any, Sequence

log = logging.getLogger(__name__)


def _literal(name: Any):
    """pikepdf Name -> pdfminer PSLiteral, with pdfminer's decoding (UTF-8 if it decodes, else bytes)."""
    from pdfminer.psparser import LIT
    s = str(name)[1:]
    if s.isascii():
        return LIT(s)
    raw = name.unparse()[1:]
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i:i + 1] == b"#" and i + 2 < len(raw) + 1:
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
            ot.null: lambda o: None,
            ot.operator: lambda o: KWD(str(o).encode("latin-1")),
        }
        self.names: dict[str, Any] = {}   # the same font and resource names recur all document long

    def value(self, o: Any) -> Any:
        t = type(o)
        if t is int:
            return o
        if t is Decimal:
            return float(o)
        if t is bool or o is None:
            return o
        code = o._type_code
        if code is self.name_code:
            key = str(o)
            lit = self.names.get(key)
            if lit is None:
                lit = self.names[key] = _literal(o)
            return lit
        return self.by_code[code](o)

    def array(self, o: Any) -> list:
        return [self.value(x) for x in o]

    def dictionary(self, o: Any) -> dict:
        """As pdfminer builds a dictionary: keys without the slash, null values dropped."""
        out = {}
        for k, v in o.items():
            val = self.value(v)
            if val is not None:
                out[str(k)[1:]] = val
        return out


def interpreter_class():
    """A PDFPageInterpreter whose `execute` takes its tokens from qpdf."""
    import pikepdf
    from pdfminer.pdfinterp import PDFPageInterpreter
    from pdfminer.pdftypes import PDFStream, stream_value

    class FastInterpreter(PDFPageInterpreter):
        conv: _Converter | None = None
        scratch = None

        def dup(self) -> "FastInterpreter":
            new = super().dup()
            new.conv, new.scratch = self.conv, self.scratch
            return new

        def _instructions(self, streams: list) -> list | None:
            try:
                data = b"\n".join(s.get_data() for s in streams)
                if self.scratch is None:
                    self.scratch = pikepdf.new()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    # a direct stream object: freed with the list, never added to the scratch PDF
                    instrs = pikepdf.parse_content_stream(pikepdf.Stream(self.scratch, data))
            except Exception as exc:   # let pdfminer's tolerant parser have it
                log.info("qpdf could not tokenise a content stream (%s); pdfminer parses it", exc)
                return None
            if caught:
                # qpdf recovers from a damaged stream by dropping what follows the damage
                # (an unclosed array or dictionary loses the rest of the page); pdfminer's
                # parser keeps more, so damaged streams keep their old reading
                log.info("qpdf warned on a content stream (%s); pdfminer parses it", caught[0].message)
                return None
            return instrs

        def execute(self, streams: Sequence[object]) -> None:
            valid: list = []
            self.stream_ids.clear()
            for obj in streams:
                stream = stream_value(obj)
                if stream.objid is None or stream.objid in self.parent_stream_ids:
                    return super().execute(streams)   # pdfminer warns about and skips these itself
                valid.append(stream)
                self.stream_ids.add(stream.objid)
            instrs = self._instructions(valid) if valid else []
            if instrs is None:
                return super().execute(streams)
            if self.conv is None:
                self.conv = _Converter()
            value = self.conv.value
            calls = self._calls
            stack = self.argstack
            append = stack.append
            for ins in instrs:
                op = str(ins.operator)
                call = calls.get(op)
                if call is None:
                    call = calls[op] = self._call(op)
                fn, nargs = call
                if fn is _INLINE_IMAGE:   # pdfminer: BI … ID <data> EI -> do_EI(the image stream)
                    img = ins.operands[0]
                    self.do_EI(PDFStream({"W": img.width, "H": img.height}, b""))
                    continue
                for o in ins.operands:
                    t = type(o)
                    append(o if t is int else float(o) if t is Decimal else value(o))
                if fn is None:
                    continue        # not an operator pdfminer knows: its operands stay, as there
                if nargs:
                    # pdfminer's pop(n): the last n operands, the call only when there are n
                    args = stack[-nargs:]
                    del stack[-nargs:]
                    if len(args) == nargs:
                        fn(*args)
                else:
                    fn()
                if self.argstack is not stack:   # an operator replaced the stack (init_state)
                    stack = self.argstack
                    append = stack.append

        @property
        def _calls(self) -> dict[str, tuple[Any, int]]:
            """Operator -> (bound method, operand count), built as operators are met."""
            calls = self.__dict__.get("_calls_cache")
            if calls is None:
                calls = self.__dict__["_calls_cache"] = {}
            return calls

        def _call(self, op: str) -> tuple[Any, int]:
            if op == "INLINE IMAGE":
                return _INLINE_IMAGE, 0
            name = "do_" + op.replace("*", "_a").replace('"', "_w").replace("'", "_q")
            fn = getattr(self, name, None)
            if fn is None:
                return None, 0
            return fn, fn.__func__.__code__.co_argcount - 1

    return FastInterpreter


_INLINE_IMAGE = object()   # marks the pseudo-operator pikepdf gives an inline image
