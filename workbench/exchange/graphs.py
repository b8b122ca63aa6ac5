"""GraphML and GEXF: export a case graph and read one into an import plan, with networkx's
own readers and writers (igraph reads the GraphML too; it has no GEXF reader).

What a node carries: `label`, `entity_type`, `value`, `properties` (JSON text, so nested and
typed values survive), `entity_id`, `created_by`, `created_at` and the saved position (`x`/`y`
in GraphML, `viz` position in GEXF). An edge: `label`, `link_type`, `confidence`,
`reliability`, `credibility`, `grading`, `directed`, `properties`, `link_id`. Foreign files
map onto this: a known `entity_type`/`type` is kept, anything else becomes the default type;
the value comes from `value`, `label` or `name` (else the node id); every other attribute
becomes a property, and the node's id in the file is kept as the property `import_id`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.errors import ValidationError
from workbench.exchange.atomic import atomic_binary
from workbench.exchange.model import (
    MAX_GRAPH_FILE_BYTES,
    ImportEdge,
    ImportNode,
    ImportPlan,
    describe_source,
)
from workbench.exchange.xmlscan import scan
from workbench.model import CREDIBILITY_GRADES, RELIABILITY_GRADES, Confidence
from workbench.store.workspace import Workspace
from workbench.timeutil import to_iso
from workbench.vocabulary import Vocabulary

FORMATS = {"graphml": "graphml", "gexf": "gexf"}
GRAPH_FORMAT = "osint-workbench/graph"
NODE_FIELDS = {
    "label",
    "entity_type",
    "value",
    "properties",
    "entity_id",
    "created_by",
    "created_at",
    "x",
    "y",
    "viz",
}
EDGE_FIELDS = {
    "label",
    "link_type",
    "confidence",
    "reliability",
    "credibility",
    "grading",
    "directed",
    "properties",
    "link_id",
    "id",
    "created_by",
    "created_at",
}
VALUE_KEYS = ("value", "label", "name", "title")
DEFAULT_ENTITY_TYPE = "note"
DEFAULT_LINK_TYPE = "related_to"
CONFIDENCES = {c.value for c in Confidence}


def case_graph(ws: Workspace, case_id: str, *, gexf: bool = False) -> Any:
    """The case as a networkx MultiDiGraph (parallel links stay separate)."""
    import networkx as nx

    case = ws.cases.get(case_id)
    vocab = ws.graph.vocabulary
    graph = nx.MultiDiGraph()
    if not gexf:  # GEXF has no graph attributes in networkx's writer
        graph.graph.update(
            format=GRAPH_FORMAT,
            generator=f"OSINT Workbench {__version__}",
            case_id=case.id,
            case_reference=case.reference,
            case_title=case.title,
        )
    for entity in ws.graph.list_entities(case_id):
        data: dict[str, Any] = {
            "label": entity.label,
            "entity_type": entity.type,
            "value": entity.value,
            "properties": json.dumps(entity.properties, ensure_ascii=False, sort_keys=True),
            "entity_id": entity.id,
            "created_by": entity.created_by,
            "created_at": to_iso(entity.created_at),
        }
        if entity.pos_x is not None and entity.pos_y is not None:
            if gexf:
                data["viz"] = {"position": {"x": entity.pos_x, "y": entity.pos_y, "z": 0.0}}
            else:
                data["x"], data["y"] = float(entity.pos_x), float(entity.pos_y)
        graph.add_node(entity.id, **data)
    for link in ws.graph.list_links(case_id):
        link_type = vocab.link_types.get(link.type)
        edge: dict[str, Any] = {
            "label": link_type.label if link_type else link.type,
            "link_type": link.type,
            "confidence": link.confidence.value,
            "directed": bool(link_type.directed) if link_type else True,
            "properties": json.dumps(link.properties, ensure_ascii=False, sort_keys=True),
            "link_id": link.id,
            "created_by": link.created_by,
            "created_at": to_iso(link.created_at),
        }
        if link.reliability:
            edge["reliability"] = link.reliability
        if link.credibility:
            edge["credibility"] = link.credibility
        if link.grading:
            edge["grading"] = link.grading
        graph.add_edge(link.source_id, link.target_id, key=link.id, **edge)
    return graph


def export_graph(ws: Workspace, case_id: str, target: Path, fmt: str) -> Path:
    import networkx as nx

    fmt = _format(fmt)
    graph = case_graph(ws, case_id, gexf=fmt == "gexf")
    with atomic_binary(Path(target)) as out:
        if fmt == "graphml":
            nx.write_graphml(graph, out, encoding="utf-8", named_key_ids=False)
        else:
            nx.write_gexf(graph, out, encoding="utf-8", version="1.2draft")
    return Path(target)


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationError(f"Unknown graph format {fmt!r}; use graphml or gexf.")
    return fmt


def read_graph_plan(
    path: Path,
    fmt: str,
    vocabulary: Vocabulary,
    *,
    default_type: str = DEFAULT_ENTITY_TYPE,
    max_bytes: int = MAX_GRAPH_FILE_BYTES,
) -> ImportPlan:
    import networkx as nx

    fmt = _format(fmt)
    vocabulary.entity_type(default_type)  # a clear error for a bad default
    source = describe_source(
        Path(path), fmt.upper() if fmt == "gexf" else "GraphML", max_bytes=max_bytes
    )
    source.format = fmt
    result = scan(source.path, fmt, "graphml" if fmt == "graphml" else "gexf")
    if result.dangling:
        edge, node = result.dangling[0]
        more = (
            f" ({len(result.dangling)} such references in all)" if len(result.dangling) > 1 else ""
        )
        raise ValidationError(
            f"{source.name}: edge {edge} refers to node {node!r}, which the file does not "
            f"declare{more}. Nothing was imported; fix the file (add the node or remove the "
            "edge)."
        )
    try:
        if fmt == "graphml":
            graph = nx.read_graphml(source.path, force_multigraph=True)
        else:
            graph = nx.read_gexf(source.path, node_type=None, relabel=False)
    except (nx.NetworkXError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError(
            f"{source.name} is not a {fmt} file networkx can read ({exc}). Nothing was imported."
        ) from exc
    notes: list[str] = []
    nodes = [
        _node(str(key), data, vocabulary, default_type) for key, data in graph.nodes(data=True)
    ]
    edges: list[ImportEdge] = []
    multi = graph.is_multigraph()
    for position, item in enumerate(
        graph.edges(keys=True, data=True) if multi else graph.edges(data=True)
    ):
        if multi:
            source_key, target_key, key, data = item
        else:
            source_key, target_key, data = item
            key = position
        edges.append(_edge(str(source_key), str(target_key), key, position, data, vocabulary))
    defaulted = sum(1 for n in nodes if "import_id" in n.properties and n.type == default_type)
    if defaulted:
        notes.append(f"{defaulted} nodes had no known entity type and became {default_type!r}.")
    if not graph.is_directed():
        notes.append("The graph is undirected; its edges keep the file's source/target order.")
    return ImportPlan(source=source, nodes=nodes, edges=edges, notes=notes)


def _plain(value: Any) -> Any:
    """JSON-safe property values (GEXF viz dicts, numpy-free scalars)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)


def _properties(data: dict[str, Any], known: set[str]) -> tuple[dict[str, Any], bool]:
    """Parsed `properties` JSON plus every attribute that is not a known field; the flag says
    whether the JSON was there (a workbench-written file)."""
    parsed: dict[str, Any] = {}
    has_json = False
    raw = data.get("properties")
    if isinstance(raw, str):
        try:
            loaded = json.loads(raw)
        except json.JSONDecodeError:
            loaded = None
        if isinstance(loaded, dict):
            parsed, has_json = loaded, True
    extra = {str(k): _plain(v) for k, v in data.items() if k not in known}
    if raw is not None and not has_json:
        extra["properties"] = _plain(raw)
    return {**extra, **parsed}, has_json


def _node(key: str, data: dict[str, Any], vocab: Vocabulary, default_type: str) -> ImportNode:
    own = "entity_id" in data
    type_name = str(data.get("entity_type") or data.get("type") or "")
    if type_name not in vocab.entity_types:
        type_name = default_type
    value_key = next((k for k in VALUE_KEYS if str(data.get(k, "")).strip()), None)
    value = str(data[value_key]).strip() if value_key else key
    known = set(NODE_FIELDS) if own else {"entity_type", "properties"}
    if not own:
        if value_key:
            known.add(value_key)
        if "type" in data and data.get("type") == type_name:
            known.add("type")
        if data.get("label") == key:  # networkx's GEXF reader fills a missing label with the id
            known.add("label")
    properties, _ = _properties(data, known)
    if not own:
        properties["import_id"] = key
    pos = _position(data)
    label = str(data["label"]) if own and data.get("label") else None
    return ImportNode(key, type_name, value, label, properties, pos)


def _position(data: dict[str, Any]) -> tuple[float, float] | None:
    viz = data.get("viz")
    if isinstance(viz, dict) and isinstance(viz.get("position"), dict):
        position = viz["position"]
        try:
            return float(position["x"]), float(position["y"])
        except (KeyError, TypeError, ValueError):
            return None
    x, y = data.get("x"), data.get("y")
    if isinstance(x, int | float) and isinstance(y, int | float):
        return float(x), float(y)
    return None


def _edge(
    source: str, target: str, key: Any, position: int, data: dict[str, Any], vocab: Vocabulary
) -> ImportEdge:
    own = "link_id" in data
    type_name = str(data.get("link_type") or data.get("type") or "")
    if type_name not in vocab.link_types:
        type_name = DEFAULT_LINK_TYPE
    known = set(EDGE_FIELDS) if own else {"link_type", "properties"}
    if not own and data.get("type") == type_name:
        known.add("type")
    properties, _ = _properties(data, known)
    edge_key = str(data.get("id", key))
    if not own:
        properties["import_id"] = edge_key
    reliability = data.get("reliability")
    credibility = data.get("credibility")
    grading = str(data.get("grading") or "")
    if not reliability and not credibility and len(grading) == 2:
        reliability, credibility = grading[0], grading[1]
    confidence = str(data.get("confidence") or "suspected")
    if not own:  # a foreign file's values are used only when they fit; they stay properties
        if confidence not in CONFIDENCES:
            confidence = "suspected"
        if str(reliability or "").upper() not in RELIABILITY_GRADES:
            reliability = None
        if str(credibility or "") not in CREDIBILITY_GRADES:
            credibility = None
    return ImportEdge(
        key=edge_key if edge_key else f"#{position + 1}",
        source=source,
        target=target,
        type=type_name,
        confidence=confidence,
        reliability=str(reliability) if reliability else None,
        credibility=str(credibility) if credibility is not None and credibility != "" else None,
        properties=properties,
    )
