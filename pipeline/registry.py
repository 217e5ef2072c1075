"""Registries: stages and tables are named, looked up from config, never wired by hand.

Like spaCy's factories: a stage module registers a factory under a name, the config lists
names in order, and the engine builds the pipeline from the config once per process.
A table is a typed row dataclass registered under its table name; the store writes any
registered table, with its columns taken from the dataclass even when it has no rows.
"""
from __future__ import annotations

import dataclasses
import importlib
from typing import Any, Callable

STAGES: dict[str, Callable[..., Any]] = {}
TABLES: dict[str, type] = {}
# Where each stage lives, so the engine imports only what the config names.
STAGE_MODULES: dict[str, str] = {
    "segment": "pipeline.segment",
    "entities": "pipeline.entities",
    "dates": "pipeline.dates",
    "numbers": "pipeline.quantities",
    "facts": "pipeline.facts",
}


def stage(name: str):
    """Register a stage factory: `factory(config: dict) -> callable(doc) -> None`."""
    def deco(factory):
        STAGES[name] = factory
        return factory
    return deco


def table(name: str):
    """Register a row dataclass as the schema of table `name`."""
    def deco(cls):
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"table {name}: {cls.__name__} is not a dataclass")
        TABLES[name] = cls
        return cls
    return deco


def load_stage(name: str):
    if name not in STAGES:
        module = STAGE_MODULES.get(name)
        if module is None:
            raise KeyError(f"unknown stage {name!r}; known: {', '.join(sorted(STAGE_MODULES))}")
        importlib.import_module(module)
    if name not in STAGES:
        raise KeyError(f"module {STAGE_MODULES[name]} did not register stage {name!r}")
    return STAGES[name]


def columns(name: str) -> list[str]:
    return [f.name for f in dataclasses.fields(TABLES[name])]
