"""Pathway listings and diagrams for the REST API, rendered once per process and kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError, did_you_mean
from ..model import Catalogue

__all__ = ["PathwayViews", "DIAGRAM_FORMATS"]

DIAGRAM_FORMATS = {"svg": ("svg", "image/svg+xml"), "mermaid": ("mermaid", "text/plain; charset=utf-8"),
                   "mmd": ("mermaid", "text/plain; charset=utf-8"), "dot": ("dot", "text/vnd.graphviz; charset=utf-8")}


class NotFound(InputError):
    kind = "not found"


@dataclass
class PathwayViews:
    catalogue: Catalogue
    _graphs: dict = field(default_factory=dict)
    _diagrams: dict = field(default_factory=dict)

    def pathway(self, pathway_id: str):
        found = self.catalogue.pathway(pathway_id)
        if found is None:
            ids = sorted(p.id for p in self.catalogue.pathways.values())
            raise NotFound(f"no pathway {pathway_id[:80]!r}; pathways: {', '.join(ids)}.",
                           suggestion=did_you_mean(pathway_id, ids))
        return found

    def graph(self, pathway_id: str):
        if pathway_id not in self._graphs:
            from ..graph import build_graph

            self._graphs[pathway_id] = build_graph(self.pathway(pathway_id), self.catalogue.screening,
                                                   self.catalogue.vocabulary)
        return self._graphs[pathway_id]

    def diagram(self, pathway_id: str, fmt: str) -> tuple[bytes, str]:
        if fmt not in DIAGRAM_FORMATS:
            raise NotFound(f"no diagram format {fmt[:20]!r}; formats: svg, mermaid, dot.",
                           suggestion=did_you_mean(fmt, DIAGRAM_FORMATS))
        export, media = DIAGRAM_FORMATS[fmt]
        key = (pathway_id, export)
        if key not in self._diagrams:
            from ..export import export_bytes

            self._diagrams[key] = export_bytes(self.graph(pathway_id), export)
        return self._diagrams[key], media

    def summary(self, pathway) -> dict[str, Any]:
        base = f"/pathways/{pathway.id}"
        return {
            "id": pathway.id,
            "title": pathway.title,
            "diagnosis": pathway.diagnosis,
            "version": pathway.version,
            "status": pathway.status,
            "last_reviewed": pathway.last_reviewed.isoformat(),
            "review_due": pathway.review_due.isoformat(),
            "sources": list(pathway.sources),
            "summary": pathway.summary,
            "links": {"self": base, "page": f"{base}/page", "svg": f"{base}/diagram.svg",
                      "mermaid": f"{base}/diagram.mmd", "dot": f"{base}/diagram.dot"},
        }

    def listing(self) -> list[dict[str, Any]]:
        return [self.summary(p) for p in sorted(self.catalogue.pathways.values(), key=lambda p: p.id)]

    def detail(self, pathway_id: str) -> dict[str, Any]:
        pathway = self.pathway(pathway_id)
        graph = self.graph(pathway_id)
        screening = self.catalogue.screening
        edges = []
        for source, target, data in graph.edges(data=True):
            from ..graph import SCREENING

            owner = screening.id if source == SCREENING else pathway.id
            edges.append({"source": source, "target": target, "kind": data.get("kind"),
                          "label": data.get("label", ""),
                          "rules": [f"{owner}.{r}" for r in data.get("rules", ())]})
        out = self.summary(pathway)
        out.update({
            "steps": [{"id": s.id, "therapy": s.therapy, "line": s.line_of_therapy, "label": s.label, "dose": s.dose}
                      for s in pathway.steps.values()],
            "rules": [{"id": r.qualified_id, "description": r.description, "ivig": r.then.ivig,
                       "next_step": r.then.next_step, "evidence": r.then.ivig and r.evidence,
                       "citations": [c.to_dict() for c in r.citations]} for r in pathway.rules],
            "notes": pathway.notes,
            "graph": {"nodes": list(graph.nodes), "edges": edges},
            "mermaid": self.diagram(pathway_id, "mermaid")[0].decode("utf-8"),
            "dot": self.diagram(pathway_id, "dot")[0].decode("utf-8"),
        })
        return out
