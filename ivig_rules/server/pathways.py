"""Pathway listings, diagrams and a patient's route for the REST API, rendered once per process and kept.

The diagrams are the teaching view (what ``ivig-rules graph`` and the atlas draw); the detail's
``graph`` is the model graph that lint's checks use, with qualified rule ids on its arrows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError, did_you_mean
from ..model import Catalogue
from .body import RequestError

__all__ = ["PathwayViews", "DIAGRAM_FORMATS", "MAX_ROUTE_RULES"]

MAX_ROUTE_RULES = 500
"""The most rule ids a route request may name (a patient fires a few dozen at most)."""

DIAGRAM_FORMATS = {"svg": ("svg", "image/svg+xml"), "mermaid": ("mermaid", "text/plain; charset=utf-8"),
                   "mmd": ("mermaid", "text/plain; charset=utf-8"), "dot": ("dot", "text/vnd.graphviz; charset=utf-8")}


class NotFound(InputError):
    kind = "not found"


@dataclass
class PathwayViews:
    catalogue: Catalogue
    _graphs: dict = field(default_factory=dict)
    _views: dict = field(default_factory=dict)
    _diagrams: dict = field(default_factory=dict)
    _elements: dict = field(default_factory=dict)

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

    def view(self, pathway_id: str):
        """The pathway's teaching view, the diagram every format draws."""
        if pathway_id not in self._views:
            from ..graph import teaching_view

            self._views[pathway_id] = teaching_view(self.pathway(pathway_id), self.catalogue.screening,
                                                    self.catalogue.vocabulary)
        return self._views[pathway_id]

    def clickable_svg(self, pathway_id: str) -> str:
        """The teaching diagram's <svg> element as the atlas shows it, boxes and notes marked ``data-node``."""
        if pathway_id not in self._elements:
            from ..export.atlas import clickable_diagram

            self._elements[pathway_id] = clickable_diagram(self.view(pathway_id))[0]
        return self._elements[pathway_id]

    def route(self, pathway_id: str, fired: list[str]) -> dict[str, Any]:
        """A patient's route on the teaching diagram, from the rules that fired (qualified ids, as
        ``rules_fired`` in ``/evaluate``'s answer); every id must be a rule of the pathway or of the
        safety screening."""
        from ..graph.teaching_route import box_name, route_on_view

        view = self.view(pathway_id)
        if len(fired) > MAX_ROUTE_RULES:
            raise RequestError(f"at most {MAX_ROUTE_RULES} rules per route, found {len(fired)}", status=422, key="rule")
        pathway = self.pathway(pathway_id)
        known = [r.qualified_id for r in (*pathway.rules, *self.catalogue.screening.rules)]
        known_set = set(known)
        for rule in fired:
            if rule not in known_set:
                raise RequestError(
                    f"{rule[:120]!r} is not a rule of pathway {pathway.id!r} or of the safety screening "
                    f"(give the qualified ids of 'rules_fired').", status=422, key="rule", suggestion=did_you_mean(rule, known))
        route = route_on_view(view, fired)

        def arrow(source: str, target: str) -> dict[str, str]:
            return {"from": source, "to": target, "where": f"{box_name(view, source)} -> {box_name(view, target)}",
                    "label": view.edges[source, target].get("label", "")}

        notes = {n["number"]: n["text"] for n in view.graph["notes"]}
        return {
            "pathway": route.pathway,
            "rules": [p.to_dict() for p in route.rules],
            "boxes": list(route.boxes),
            "arrows": [arrow(s, t) for s, t in route.arrows],
            "way_in": [arrow(s, t) for s, t in route.way_in],
            "notes": [{"note": n, "text": notes[n]} for n in route.notes],
            "not_shown": list(route.not_shown),
        }

    def diagram(self, pathway_id: str, fmt: str) -> tuple[bytes, str]:
        if fmt not in DIAGRAM_FORMATS:
            raise NotFound(f"no diagram format {fmt[:20]!r}; formats: svg, mermaid, dot.",
                           suggestion=did_you_mean(fmt, DIAGRAM_FORMATS))
        export, media = DIAGRAM_FORMATS[fmt]
        key = (pathway_id, export)
        if key not in self._diagrams:
            from ..export import export_bytes

            if export == "svg":  # the atlas's picture: boxes and notes carry data-node, for the workbench's route
                element = self.clickable_svg(pathway_id)
                self._diagrams[key] = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + element + "\n").encode("utf-8")
            else:
                self._diagrams[key] = export_bytes(self.view(pathway_id), export)
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
                      "mermaid": f"{base}/diagram.mmd", "dot": f"{base}/diagram.dot", "route": f"{base}/route"},
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
