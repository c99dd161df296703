"""W3C PROV documents with the `prov` library: the service's provenance as PROV-JSON and PROV-N.

The mapping (docs/prov.md): creators and licensees are agents; works, recordings, models, outputs and
grants are entities (a grant is a `prov:Plan`); training runs and generations are activities; a training
run is associated with its licensee under its grant; an influence is a qualified derivation of the output
from the work carrying the vendor's score. Identifiers are `otid:<kind>/<percent-encoded id>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from prov.model import PROV, ProvDocument

__all__ = ["ID_NAMESPACE", "NAMESPACE", "ProvFormat", "ProvWriter", "qualified_id"]

NAMESPACE = "https://opustrace.org/ns/prov#"
ID_NAMESPACE = "https://opustrace.org/id/"


class ProvFormat(StrEnum):
    PROV_JSON = "PROV_JSON"
    PROV_N = "PROV_N"

    @property
    def media_type(self) -> str:
        return "application/json" if self is ProvFormat.PROV_JSON else "text/provenance-notation"


def qualified_id(kind: str, record_id: str) -> str:
    """`otid:work/W%201`: ids are percent-encoded so any id is a valid PROV-N local name."""
    return f"otid:{kind}/{quote(record_id, safe='')}"


def _attributes(values: Mapping[str, Any]) -> dict[str, Any]:
    return {f"ot:{k}": v for k, v in values.items() if v is not None and v != ""}


class ProvWriter:
    """Adds the service's records to one ProvDocument, each at most once."""

    def __init__(self) -> None:
        self.document = ProvDocument()
        self.document.add_namespace("ot", NAMESPACE)
        self.document.add_namespace("otid", ID_NAMESPACE)
        self._seen: set[str] = set()

    def _once(self, identifier: str) -> bool:
        if identifier in self._seen:
            return False
        self._seen.add(identifier)
        return True

    def entity(self, kind: str, record_id: str, prov_type: Any, **values: Any) -> str:
        identifier = qualified_id(kind, record_id)
        if self._once(identifier):
            self.document.entity(
                identifier, {"prov:type": prov_type, "ot:id": record_id} | _attributes(values)
            )
        return identifier

    def agent(self, kind: str, record_id: str, prov_type: Any, **values: Any) -> str:
        identifier = qualified_id(kind, record_id)
        if self._once(identifier):
            self.document.agent(
                identifier, {"prov:type": prov_type, "ot:id": record_id} | _attributes(values)
            )
        return identifier

    def activity(
        self, kind: str, record_id: str, start: datetime | None, end: datetime | None, **values: Any
    ) -> str:
        identifier = qualified_id(kind, record_id)
        if self._once(identifier):
            attributes = {"prov:type": f"ot:{kind}", "ot:id": record_id} | _attributes(values)
            self.document.activity(identifier, start, end, attributes)
        return identifier

    def person_or_organisation(self, kind: str, record_id: str, organisation: bool, **values: Any) -> str:
        return self.agent(kind, record_id, PROV["Organization"] if organisation else PROV["Person"], **values)

    def plan(self, grant_id: str, **values: Any) -> str:
        return self.entity("grant", grant_id, PROV["Plan"], **values)

    def attributed(self, entity: str, agent: str, **values: Any) -> None:
        self.document.wasAttributedTo(entity, agent, other_attributes=_attributes(values) or None)

    def associated(self, activity: str, agent: str, plan: str | None) -> None:
        self.document.wasAssociatedWith(activity, agent, plan)

    def used(self, activity: str, entity: str, **values: Any) -> None:
        self.document.used(activity, entity, other_attributes=_attributes(values) or None)

    def generated(self, entity: str, activity: str) -> None:
        self.document.wasGeneratedBy(entity, activity)

    def derived(self, generated: str, used: str, identifier: str | None = None, **values: Any) -> None:
        self.document.wasDerivedFrom(
            generated, used, identifier=identifier, other_attributes=_attributes(values) or None
        )

    def serialize(self, fmt: ProvFormat) -> str:
        if fmt is ProvFormat.PROV_N:
            return self.document.get_provn()
        return self.document.serialize(format="json", indent=2) or ""
