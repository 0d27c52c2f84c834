"""The JSON Schemas (ivig_rules.schemas) against the loaders they are built from.

Every shipped file names its published schema and validates against it; the published and
packaged schemas are what the generator makes today; and where schema and loader both judge a
file (the bad-input corpus, and seeded one-slip mutants of every shipped file) they agree: a
file the schema refuses never loads, and a file the schema accepts loads unless one of the
checks LOADER_ONLY lists (with the reason a JSON Schema cannot make it) refuses it.
"""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from ivig_rules.loading import marked_yaml
from ivig_rules.loading.cursor import Keys
from ivig_rules.schemas import (
    KINDS,
    LOADER_ONLY,
    PUBLISHED,
    UndescribedKeys,
    file_name,
    kind_of,
    schema_comment,
    shipped_schema,
    to_json,
    to_schema,
)
from ivig_rules.schemas.limits import loader_only
from schema_check import ROOT, RULESETS, Judge, to_instance
from schema_mutants import mutant

BAD = ROOT / "tests" / "bad_inputs"
SHIPPED = [(kind.name, path) for kind in KINDS.values() for glob in kind.files for path in sorted(ROOT.glob(glob))]
CORPUS = (
    [("patient", path) for path in sorted((BAD / "patients").iterdir())]
    + [("scenario", path) for path in sorted((BAD / "scenarios").iterdir())]
    + [("pathway", path) for path in sorted((ROOT / "tests" / "rulesets").glob("*.yaml"))]
)
SCHEMA_BLIND = {
    "alias_bomb.yaml": "yaml-text",
    "binary.yaml": "yaml-text",
    "broken.json": "yaml-text",
    "comment_only.yaml": "yaml-text",
    "duplicate_key.yaml": "yaml-text",
    "empty.yaml": "yaml-text",
    "malformed.yaml": "yaml-text",
    "python_tag.yaml": "yaml-text",
    "python_tag_root.yaml": "yaml-text",
    "two_documents.yaml": "yaml-text",
    "unreadable.yaml": "yaml-text",
    "nan_weight.yaml": "finite-numbers",
    "duplicate_names.yaml": "unique",
}
"""The corpus files the loader refuses and the schema cannot, with the LOADER_ONLY entry that says why."""
MUTANTS_PER_FILE = 15


def _ids(cases):
    return [str(path.relative_to(ROOT)) for _, path in cases]


@pytest.fixture(scope="module")
def judge(tmp_path_factory) -> Judge:
    return Judge(tmp_path_factory.mktemp("schemas"))


# -- the published and packaged schemas ------------------------------------------------------
@pytest.mark.parametrize("kind", list(KINDS))
def test_published_and_packaged_schemas_are_up_to_date(kind):
    fresh = to_json(kind, RULESETS)
    rerun = "run: ivig-rules schema --all -o docs/schemas/ and ivig-rules schema --all -o ivig_rules/schemas/data/"
    assert (ROOT / PUBLISHED / file_name(kind)).read_text(encoding="utf-8") == fresh, rerun
    assert shipped_schema(kind).read_text(encoding="utf-8") == fresh, rerun


@pytest.mark.parametrize("folder", [ROOT / PUBLISHED, shipped_schema("pathway").parent], ids=["docs", "package"])
def test_the_schema_folders_hold_one_valid_schema_per_kind_and_nothing_else(folder):
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == sorted(file_name(kind) for kind in KINDS)
    for kind in KINDS:
        Draft202012Validator.check_schema(json.loads((folder / file_name(kind)).read_text(encoding="utf-8")))


_DRAFT_7_KEYWORDS = frozenset(Draft7Validator.META_SCHEMA["properties"]) | {"enumDescriptions"}  # VS Code's hover text
_ANNOTATIONS = {"description", "title", "examples", "enumDescriptions"}


def _keywords(schema, found):
    """Every keyword a schema uses, and every set of keywords beside a $ref (property names skipped)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            found["beside $ref"] |= set(schema) - {"$ref"}
        for key, value in schema.items():
            found["keywords"].add(key)
            children = value.values() if key in ("properties", "$defs") else [value]
            for child in children:
                _keywords(child, found)
    elif isinstance(schema, list):
        for item in schema:
            _keywords(item, found)
    return found


@pytest.mark.parametrize("kind", list(KINDS))
def test_schemas_keep_to_what_the_yaml_language_server_reads(kind):
    """The VS Code YAML extension validates with draft-07's keywords (2020-12 support is not released):
    the schemas use none that draft-07 lacks except $defs (reached by JSON pointer), and nothing but
    annotations beside a $ref (draft-07 ignores $ref's siblings)."""
    found = _keywords(to_schema(kind, RULESETS), {"keywords": set(), "beside $ref": set()})
    assert found["keywords"] - _DRAFT_7_KEYWORDS <= {"$defs"}
    assert found["beside $ref"] <= _ANNOTATIONS


def test_every_yaml_file_of_the_knowledge_base_and_scenarios_has_a_kind():
    files = [*ROOT.glob("rulesets/**/*.yaml"), *ROOT.glob("scenarios/*.yaml")]
    assert files and [str(f) for f in files if kind_of(f, ROOT) is None] == []
    assert {kind for kind, _ in SHIPPED} == {"pathway", "safety", "vocabulary", "sources", "fhir", "scenario"}


# -- shipped files ----------------------------------------------------------------------------
@pytest.mark.parametrize("kind,path", SHIPPED, ids=_ids(SHIPPED))
def test_shipped_file_points_at_its_published_schema_and_validates(kind, path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    expected = schema_comment(kind, path, ROOT)
    assert first == expected, f"{path.relative_to(ROOT)} should start with the line: {expected}"
    target = (path.parent / first.split("$schema=", 1)[1]).resolve()
    assert target == (ROOT / PUBLISHED / file_name(kind)).resolve()
    schema = json.loads(target.read_text(encoding="utf-8"))
    instance = to_instance(marked_yaml.read_file(path))
    for validator in (Draft202012Validator(schema), Draft7Validator(schema)):  # the second as the VS Code extension reads it
        errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(instance)]
        assert errors == [], type(validator).__name__


def test_schema_comment_is_a_path_relative_to_the_file(tmp_path):
    assert schema_comment("pathway", tmp_path / "rulesets/pathways/x.yaml", tmp_path) == (
        "# yaml-language-server: $schema=../../docs/schemas/pathway.schema.json"
    )
    assert schema_comment("scenario", tmp_path / "scenarios/x.yaml", tmp_path).endswith("=../docs/schemas/scenario.schema.json")


# -- the bad-input corpus ---------------------------------------------------------------------
@pytest.mark.parametrize("kind,path", CORPUS, ids=_ids(CORPUS))
def test_bad_input_corpus_schema_and_loader_agree(judge, kind, path):
    verdict = judge.judge_file(kind, path)
    assert verdict.disagreement() is None, f"{path.name}: {verdict.disagreement()}"
    blind = verdict.schema_ok and not verdict.loads
    assert blind == (path.name in SCHEMA_BLIND), (
        f"{path.name}: the schema {'accepts' if verdict.schema_ok else 'refuses'} it; update SCHEMA_BLIND"
    )
    if blind:
        assert {loader_only(kind, p.key, p.message).id for p in verdict.problems} == {SCHEMA_BLIND[path.name]}


def test_the_bad_inputs_are_all_refused_and_most_by_the_schema_itself(judge):
    verdicts = {path.name: judge.judge_file(kind, path) for kind, path in CORPUS if BAD in path.parents}
    assert [name for name, v in verdicts.items() if v.loads] == []
    assert {name for name, v in verdicts.items() if not v.schema_ok} == set(verdicts) - set(SCHEMA_BLIND)


# -- seeded mutants of every shipped file -----------------------------------------------------
@pytest.mark.parametrize("kind,path", SHIPPED, ids=_ids(SHIPPED))
def test_seeded_mutants_of_shipped_files_schema_and_loader_agree(judge, kind, path):
    document = marked_yaml.read_file(path)
    original = judge.judge(kind, document)
    assert original.schema_ok and original.loads, original.disagreement() or original.problems
    rng = random.Random(str(path.relative_to(ROOT)))  # the same mutants on every run
    outcomes: Counter = Counter()
    disagreements = []
    for _ in range(MUTANTS_PER_FILE):
        what, changed = mutant(rng, document)
        verdict = judge.judge(kind, changed)
        outcomes[verdict.schema_ok, verdict.loads] += 1
        if verdict.disagreement():
            disagreements.append(f"{what}: {verdict.disagreement()}")
    assert disagreements == []
    assert outcomes[False, False] > 0, "no mutant was refused: the mutants do not bite"


# -- the list of checks only the loader makes -------------------------------------------------
def test_loader_only_entries_are_documented_with_their_reason():
    page = (ROOT / "docs" / "schemas.md").read_text(encoding="utf-8")
    assert len({entry.id for entry in LOADER_ONLY}) == len(LOADER_ONLY)
    for entry in LOADER_ONLY:
        assert set(entry.kinds) <= set(KINDS) and entry.what and entry.why
        assert f"`{entry.id}`" in page and entry.what in page, f"docs/schemas.md does not list {entry.id} as it is"


def test_loader_only_matches_by_kind_key_and_message():
    assert loader_only("scenario", "scenarios[1].name", "the scenario name 'x' is used twice in this file").id == "unique"
    assert loader_only("patient", "weight_kg", "the name 'x' is used twice") is None  # not a kind it applies to
    assert loader_only("pathway", "rules[0].evidance", "unknown key 'evidance'") is None


def test_a_key_the_loader_takes_but_the_schema_does_not_describe_stops_the_build(monkeypatch):
    import ivig_rules.schemas.rulesets as pathway_schemas

    grown = Keys(pathway_schemas.PATHWAY_RULE.required, pathway_schemas.PATHWAY_RULE.optional + ("urgency",))
    monkeypatch.setattr(pathway_schemas, "PATHWAY_RULE", grown)
    with pytest.raises(UndescribedKeys, match="PATHWAY_RULE.*not described: urgency"):
        to_schema("pathway", RULESETS)


def test_the_schemas_list_the_vocabulary_of_the_rulesets_folder(tmp_path):
    rulesets = tmp_path / "rulesets"
    rulesets.mkdir()
    for name in ("sources.yaml", "fhir.yaml", "safety.yaml"):
        (rulesets / name).write_bytes((RULESETS / name).read_bytes())
    text = (RULESETS / "vocabulary.yaml").read_text(encoding="utf-8")
    assert "\n  plasma_exchange: {" in text
    (rulesets / "vocabulary.yaml").write_text(text.replace("\n  plasma_exchange: {", "\n  plasmapheresis: {"), encoding="utf-8")
    schema = json.dumps(to_schema("patient", rulesets))
    assert "plasmapheresis" in schema and "plasma_exchange" not in schema


def test_the_example_of_docs_schemas_md_is_underlined_where_it_says():
    page = (ROOT / "docs" / "schemas.md").read_text(encoding="utf-8")
    example = next(block for block in page.split("```yaml\n")[1:] if "scenarios:" in block).split("```")[0]
    validator = Draft7Validator(json.loads((ROOT / PUBLISHED / file_name("scenario")).read_text(encoding="utf-8")))
    instance = marked_yaml.parse_text(example)
    flagged = {"/".join(map(str, e.absolute_path)): e.message for e in validator.iter_errors(instance)}
    assert set(flagged) == {"scenarios/0/patient", "scenarios/0/patient/treatments/corticosteroids", "scenarios/0/expect/ivig"}
    assert "'wieght_kg' was unexpected" in flagged["scenarios/0/patient"]
    commented = [line for line in example.splitlines() if "# underlined" in line]
    assert [line.split(":")[0].strip() for line in commented] == ["wieght_kg", "corticosteroids", "ivig"]


def test_docs_schemas_md_lists_every_kind_with_its_schema_and_files():
    page = (ROOT / "docs" / "schemas.md").read_text(encoding="utf-8")
    for kind in KINDS.values():
        row = next((line for line in page.splitlines() if line.startswith(f"| `{kind.name}` |")), None)
        assert row is not None, f"docs/schemas.md has no row for {kind.name}"
        assert f"(schemas/{file_name(kind.name)})" in row and all(f"`{glob}`" in row for glob in kind.files)
