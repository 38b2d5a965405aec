"""The Core table clauses used by fast readers name real columns of the real schema."""

from __future__ import annotations

import pytest

from dedup.store import tables
from dedup.store.models import Base


@pytest.mark.parametrize("clause", tables.ALL, ids=lambda c: c.name)
def test_each_column_is_the_models_column_with_the_same_type(clause: object) -> None:
    model_table = Base.metadata.tables[clause.name]  # type: ignore[attr-defined]
    for column in clause.columns:  # type: ignore[attr-defined]
        assert column.name in model_table.c, f"{clause.name}.{column.name} is not in the schema"
        modelled = model_table.c[column.name].type
        assert type(column.type) is type(modelled) or isinstance(modelled, type(column.type)), (
            f"{clause.name}.{column.name}: {column.type!r} here, {modelled!r} in the models"
        )
