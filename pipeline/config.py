"""Run configuration: a TOML file of defaults in the package, optionally overlaid by the user's."""
from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    text = resources.files("pipeline").joinpath("data/pipeline.toml").read_text("utf-8")
    cfg = tomllib.loads(text)
    if path:
        cfg = _merge(cfg, tomllib.loads(Path(path).read_text("utf-8")))
    if overrides:
        cfg = _merge(cfg, overrides)
    return cfg


def config_hash(cfg: dict[str, Any]) -> str:
    """Changes when the package version or anything in the config changes."""
    blob = json.dumps({"version": __version__, "config": cfg}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
