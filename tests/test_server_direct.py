"""The direct CDS Hooks path answers exactly as the FastAPI route does, refusals included, and the
body checks hold on both (in process, through ASGI; tests/test_server.py drives the real server)."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx", reason="pip install -e '.[test]'")

from ivig_rules.evaluation.evaluator import Evaluator  # noqa: E402
from ivig_rules.fhir.evaluate import mapping_for  # noqa: E402
from ivig_rules.fhir.write import bundle_from_facts  # noqa: E402
from ivig_rules.server.app import ServerSettings, create_app  # noqa: E402
from ivig_rules.server.body import MAX_DEPTH, RequestError, check_depth, parse_json  # noqa: E402
from ivig_rules.server.direct import DirectHooks  # noqa: E402
from ivig_rules.server.requests import hook_request  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PATH = "/cds-services/ivig-order-sign"


def nested(levels: int, kind: str) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value] if kind == "list" else {"a": value}
    return value


@pytest.mark.parametrize("body, key", [
    (b'{"a":1,"a":2}', "a"),
    (b'{"a" :1, "b": {"c":1,\n "c"\t: 2}}', "c"),  # white space before the colon, in a nested object
    (b'[{"x":"t\\":u"}, {"y":1,"y":1}]', "y"),  # a quote and colon in a text do not hide it
])
def test_a_key_given_twice_is_refused_with_its_name(body, key):
    with pytest.raises(RequestError, match=f"the key '{key}' appears twice") as caught:
        parse_json(body, None)
    assert caught.value.status == 422 and caught.value.key == key


@pytest.mark.parametrize("body, data", [
    (b'{"a":"t\\":u","b":{"a":1}}', {"a": 't":u', "b": {"a": 1}}),  # the same key in two objects is fine
    (b'{"a" : 1 ,\n "b"\t:[{"a":2}]}', {"a": 1, "b": [{"a": 2}]}),
])
def test_keys_that_only_look_repeated_are_read(body, data):
    assert parse_json(body, None) == data


def test_depth_check_counts_the_keys():
    assert check_depth({"a": 1, "b": [{"c": 1, "d": {}}], "e": {"f": None}}) == 6
    assert check_depth([1, 2]) == 0


@pytest.mark.parametrize("kind", ["list", "object"])
def test_depth_limit_is_exact(kind):
    check_depth(nested(MAX_DEPTH, kind))
    with pytest.raises(RequestError, match=f"nested deeper than {MAX_DEPTH} levels"):
        check_depth(nested(MAX_DEPTH + 1, kind))
    check_depth("text")
    check_depth(None)
    mixed = {"entry": [{"resource": nested(MAX_DEPTH - 3, "object")}]}  # 3 levels above it: exactly the limit
    check_depth(mixed)
    mixed["entry"][0]["more"] = [nested(MAX_DEPTH - 2, "list")]  # one deeper branch beside it
    with pytest.raises(RequestError):
        check_depth(mixed)


@pytest.fixture(scope="module")
def apps():
    app = create_app(ServerSettings(rulesets=str(ROOT / "rulesets"), base_url="http://ehr.example/ivig"))
    assert isinstance(app, DirectHooks)
    return app, app.api


@pytest.fixture(scope="module")
def good():
    with Evaluator(ROOT / "rulesets", engine="reference") as local:
        bundle = bundle_from_facts({"id": "p", "diagnosis": "gbs", "age_years": 45, "sex": "female", "weight_kg": 55,
                                    "height_cm": 165, "iga": "normal"}, mapping_for(local), local.vocabulary)
    return hook_request(bundle, dose_g=30)


def bodies(good: dict) -> list[tuple[str, bytes, dict]]:
    wrong_hook = copy.deepcopy(good)
    wrong_hook["hook"] = "patient-view"
    bad_prefetch = copy.deepcopy(good)
    bad_prefetch["prefetch"]["conditions"] = "everything"
    bad_value = copy.deepcopy(good)
    bad_value["prefetch"]["observations"]["entry"][0]["resource"]["valueQuantity"]["value"] = "fifty-five"
    js = {"content-type": "application/json"}
    return [
        ("good", json.dumps(good).encode(), js),
        ("dose differs", json.dumps(hook_request_with_dose(good, 5)).encode(), js),
        ("wrong hook", json.dumps(wrong_hook).encode(), js),
        ("bad prefetch", json.dumps(bad_prefetch).encode(), js),
        ("unreadable value", json.dumps(bad_value).encode(), js),
        ("deep", b"[" * 5000 + b"]" * 5000, js),
        ("deep objects", json.dumps(nested(60, "object")).encode(), js),
        ("not json", b"hook: order-sign", js),
        ("nan", b'{"hook": NaN}', js),
        ("a list", b"[1, 2]", js),
        ("empty", b"", js),
        ("huge", b"[" + b"1," * 1_100_000 + b"1]", js),
        ("xml", json.dumps(good).encode(), {"content-type": "application/xml"}),
        ("fhir json", json.dumps(good).encode(), {"content-type": "application/fhir+json; charset=utf-8"}),
        ("no content type", json.dumps(good).encode(), {}),
        ("bad length", json.dumps(good).encode(), {**js, "content-length": "12x"}),
    ]


def hook_request_with_dose(good: dict, grams: float) -> dict:
    changed = copy.deepcopy(good)
    order = changed["context"]["draftOrders"]["entry"][0]["resource"]
    order["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = grams
    return changed


async def _answers(app, requests):
    out = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for name, body, headers in requests:
            if "content-length" in headers:  # a header httpx would otherwise set itself
                request = client.build_request("POST", PATH, content=body, headers=headers)
                request.headers["content-length"] = headers["content-length"]
                response = await client.send(request)
            else:
                response = await client.post(PATH, content=body, headers=headers)
            out.append((name, response.status_code, response.headers.get("content-type"), response.content))
    return out


def test_direct_path_answers_as_the_fastapi_route(apps, good):
    direct, api = apps
    requests = bodies(good)
    fast = asyncio.run(_answers(direct, requests))
    slow = asyncio.run(_answers(api, requests))
    assert fast == slow
    status = {name: code for name, code, _, _ in fast}
    assert status["good"] == status["dose differs"] == status["unreadable value"] == 200
    assert status["fhir json"] == status["no content type"] == 200
    assert status["wrong hook"] == status["bad prefetch"] == status["deep"] == status["deep objects"] == 400
    assert status["not json"] == status["nan"] == status["a list"] == status["empty"] == status["bad length"] == 400
    assert status["huge"] == 413 and status["xml"] == 415
    for name, code, ctype, content in fast:
        assert ctype == "application/json" and b"Traceback" not in content, name
        if code != 200:
            assert json.loads(content)["error"]["message"], name
    card = json.loads(dict((n, c) for n, _, _, c in fast)["dose differs"])["cards"][0]
    assert card["source"]["url"] == "http://ehr.example/ivig/pathways/gbs/page"  # --base-url
    assert card["suggestions"][0]["actions"][0]["type"] == "update"


def test_everything_else_goes_to_fastapi(apps):
    direct, _ = apps

    async def calls():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=direct), base_url="http://testserver") as client:
            return (await client.get("/health"), await client.post("/cds-services/ivig-order-sgn", json={}),
                    await client.get(PATH))

    health, unknown, wrong_method = asyncio.run(calls())
    assert health.json()["status"] == "ok"
    assert unknown.status_code == 404 and unknown.json()["error"]["suggestion"] == "ivig-order-sign"
    assert wrong_method.status_code == 405
