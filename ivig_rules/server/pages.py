"""The HTML pages the server shows: a pathway's page (where CDS cards link) and the workbench.

Self-contained (inline CSS and plain JavaScript, no network), generated from the data
dictionary so that the workbench form always offers every fact with its allowed values.
"""

from __future__ import annotations

import html
import json

from ..model import Catalogue
from .pathways import PathwayViews

__all__ = ["pathway_page", "workbench_page"]

_NOT_ADVICE = "Decision support for review by a clinician; not medical advice."
_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#17324d;color:#fff;padding:10px 20px}header a{color:#cfe3ff}
main{padding:16px 20px;max-width:1400px}
.grid{display:grid;grid-template-columns:minmax(300px,380px) 1fr;gap:18px}
fieldset{border:1px solid #ccd3db;border-radius:6px;background:#fff;margin:0 0 12px;padding:8px 12px}
legend{font-weight:600}
label{display:grid;grid-template-columns:150px 1fr;align-items:center;gap:6px;margin:4px 0;font-size:14px}
input,select,textarea{font:inherit;padding:3px 5px;border:1px solid #aab4bf;border-radius:4px;min-width:0}
textarea{width:100%;box-sizing:border-box;height:90px;font-family:monospace;font-size:12px}
button{font:inherit;padding:6px 16px;border:0;border-radius:5px;background:#1d5fa6;color:#fff;cursor:pointer}
.panel{background:#fff;border:1px solid #ccd3db;border-radius:6px;padding:10px 14px;margin-bottom:12px}
.verdict{font-size:22px;font-weight:700;padding:6px 10px;border-radius:5px;display:inline-block}
.v-recommended{background:#dff3e3;color:#145c26}.v-consider{background:#e6f0fb;color:#194b80}
.v-not_yet,.v-not_indicated{background:#eee;color:#333}.v-contraindicated{background:#fbe3e3;color:#8a1414}
.error{background:#fff1e6;border-color:#e3a46f;color:#6b3300}
#diagram{overflow-x:auto;background:#fff;border:1px solid #ccd3db;border-radius:6px;padding:6px;margin-top:6px}
#diagram svg{display:block;width:100%;height:auto;margin:0 auto}
#diagram.routed g.edge:not(.route),#diagram.routed g.node.clickable:not(.route){opacity:.25}
#diagram g.edge.route path{stroke:#d9480f;stroke-width:3.5px}
#diagram g.edge.route polygon{fill:#d9480f;stroke:#d9480f}
#diagram g.edge.route text{fill:#a33500;font-weight:700}
#diagram g.edge.way-in path{stroke-dasharray:7 4;stroke-width:3px}
#diagram g.node.route.note polygon{fill:#ffe3cf;stroke:#ffe3cf;stroke-width:1px}
#diagram g.node.route polygon,#diagram g.node.route ellipse,#diagram g.node.route path{stroke:#d9480f;stroke-width:3px}
.route-key{display:inline-block;width:28px;height:0;border-top:4px solid #d9480f;vertical-align:middle;margin-right:4px}
#route-steps li{margin:1px 0}
ul{margin:4px 0 4px 18px;padding:0}small,.muted{color:#5b6570}
code{background:#eef1f4;padding:0 3px;border-radius:3px}
"""


def _page(title: str, body: str, script: str = "") -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><header><strong>ivig-rules</strong> &middot; "
        "<a href='/workbench'>workbench</a> &middot; <a href='/pathways'>pathways (JSON)</a> &middot; "
        f"<a href='/docs'>API</a></header><main>{body}<p class='muted'>{_NOT_ADVICE}</p></main>"
        + (f"<script>{script}</script>" if script else "") + "</body></html>"
    )


def pathway_page(views: PathwayViews, pathway_id: str) -> str:
    pathway = views.pathway(pathway_id)
    svg = _not_buttons(views.clickable_svg(pathway_id))  # the teaching diagram, as the atlas shows it
    steps = "".join(
        f"<li>line {s.line_of_therapy}: {html.escape(s.label)}</li>" for s in pathway.steps.values()
    )
    body = (
        f"<h1>{html.escape(pathway.title)}</h1>"
        f"<p>{html.escape(pathway.summary)}</p>"
        f"<p class='muted'>pathway <code>{html.escape(pathway.id)}</code> v{html.escape(pathway.version)}, "
        f"reviewed {pathway.last_reviewed.isoformat()}, review due {pathway.review_due.isoformat()}; "
        f"diagram as <a href='/pathways/{pathway.id}/diagram.svg'>SVG</a>, "
        f"<a href='/pathways/{pathway.id}/diagram.mmd'>Mermaid</a>, <a href='/pathways/{pathway.id}/diagram.dot'>DOT</a>"
        f"; <a href='/pathways/{pathway.id}'>JSON</a></p>"
        f"<div id='diagram'>{svg}</div><h2>Steps</h2><ul>{steps}</ul>"
        f"<h2>Notes</h2><p>{html.escape(pathway.notes)}</p>"
    )
    return _page(pathway.title, body)


def _not_buttons(svg: str) -> str:
    """The atlas's diagram without its boxes' tab stops and button role: here no panel opens on a
    click, so a keyboard should not stop at every box (``data-node`` and the names stay)."""
    return svg.replace(' tabindex="0" role="button"', "")


def _not_given(spec) -> str:
    """The empty first choice: nothing is picked for the user (a silent first option would be a guess)."""
    if spec.default is None:
        return "<option value=''>not given</option>"
    shown = {True: "yes", False: "no"}.get(spec.default, spec.default) if isinstance(spec.default, bool) else spec.default
    return f"<option value=''>not given: {html.escape(str(shown))}</option>"


def _field(name: str, spec, vocab) -> str:
    label = html.escape(name.replace("_", " ") + (f" ({spec.unit})" if spec.unit else "") + (" *" if spec.required else ""))
    title = html.escape(spec.description or "")
    fid = f"fact-{name}"
    marks = f"id='{fid}' name='{name}' data-type='{spec.type}'" + (" data-required='1' aria-required='true'" if spec.required else "")
    if spec.type == "enum":
        options = "".join(f"<option value='{html.escape(v)}'>{html.escape(v)}</option>" for v in spec.values)
        control = f"<select {marks}>{_not_given(spec)}{options}</select>"
    elif spec.type == "boolean":
        control = f"<select {marks}>{_not_given(spec)}<option value='true'>yes</option><option value='false'>no</option></select>"
    elif spec.type == "number":
        bounds = "".join(f" {k}='{v:g}'" for k, v in (("min", spec.minimum), ("max", spec.maximum)) if v is not None)
        control = f"<input {marks} type='number' step='any'{bounds}>"
    else:
        control = f"<input {marks} type='text' maxlength='{spec.max_length or 200}'>"
    return f"<label title='{title}'><span>{label}</span>{control}</label>"


def workbench_page(catalogue: Catalogue) -> str:
    vocab = catalogue.vocabulary
    facts = "".join(_field(name, spec, vocab) for name, spec in vocab.facts.items())
    def statuses(therapy: str) -> str:
        return "".join(
            f"<option value='{html.escape(s)}'>{html.escape(vocab.statuses[s].label)}</option>" for s in vocab.statuses_for(therapy)
        )

    therapies = "".join(
        f"<label title='{html.escape(t.description or '')}'><span>{html.escape(t.label)}</span>"
        f"<select id='tx-{name}' name='{name}' data-therapy='1'><option value=''>not given</option>{statuses(name)}</select></label>"
        for name, t in vocab.therapies.items()
    )
    verdicts = {k: t.label for k, t in vocab.verdicts.items()}
    body = (
        "<h1>Patient workbench</h1><p class='muted'>Fill in what is known (the form lists every fact of the data "
        "dictionary with its allowed values), or paste a FHIR R4 Bundle, and submit: the recommendation, the rules "
        "that decided it and the pathway with this patient's route highlighted. Facts marked * are required; "
        "nothing is chosen for you.</p>"
        "<div class='grid'><form id='patient-form' autocomplete='off'>"
        f"<fieldset><legend>Facts</legend>{facts}</fieldset>"
        f"<fieldset><legend>Treatments</legend>{therapies}</fieldset>"
        "<fieldset><legend>Or a FHIR Bundle</legend><textarea id='fhir-bundle' placeholder='{\"resourceType\": \"Bundle\", ...}'>"
        "</textarea></fieldset>"
        "<button id='submit' type='submit'>Evaluate</button> <button id='reset' type='reset'>Clear</button></form>"
        "<section><div id='result' class='panel'><span class='muted'>No patient evaluated yet.</span></div>"
        "<div id='explanation' class='panel' hidden></div></section></div>"
        "<section id='route' hidden><h2>This patient's route</h2><p class='muted'><span class='route-key'></span>"
        "The boxes, arrows and notes of the rules that fired, and the way into each decision, are drawn in orange "
        "(dashed: the way there from the start); everything else is dimmed. The diagram is the pathway's teaching diagram, as the atlas shows it.</p>"
        "<div id='diagram'></div><div id='route-steps' class='panel'></div></section>"
    )
    script = _SCRIPT.replace("__VERDICTS__", json.dumps(verdicts))
    return _page("ivig-rules workbench", body, script)


_SCRIPT = r"""
const VERDICTS = __VERDICTS__;
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
class MissingFacts extends Error {
  constructor(names) { super('required fact' + (names.length > 1 ? 's' : '') + ' not given: ' + names.join(', ') + '. Fill ' + (names.length > 1 ? 'them' : 'it') + ' in (nothing is assumed), or paste a FHIR Bundle.'); }
}
function patientFromForm() {
  const text = $('fhir-bundle').value.trim();
  if (text) return JSON.parse(text);
  const missing = [...document.querySelectorAll('#patient-form [data-required]')].filter(el => el.value === '').map(el => el.name);
  if (missing.length) throw new MissingFacts(missing);
  const out = {}; const tx = {};
  for (const el of document.querySelectorAll('#patient-form select, #patient-form input')) {
    if (el.value === '') continue;
    if (el.dataset.therapy) { tx[el.name] = el.value; continue; }
    const t = el.dataset.type;
    out[el.name] = t === 'number' ? Number(el.value) : t === 'boolean' ? el.value === 'true' : el.value;
  }
  if (Object.keys(tx).length) out.treatments = tx;
  return out;
}
async function post(path, body) {
  const r = await fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  return [r.status, await r.json()];
}
function showError(data) {
  const box = $('result'); box.className = 'panel error';
  box.innerHTML = '<strong>Not evaluated.</strong> <span id="error-message">' + esc(data.error ? data.error.message : JSON.stringify(data)) + '</span>';
  $('explanation').hidden = true; $('route').hidden = true;
}
function perKg(r) {  // a regimen or dose per kg in words: amount, over how many days, how often
  const days = r.days > 1 ? ' over ' + esc(r.days) + ' days' : r.per === 'day' ? ' for 1 day' : '';
  return esc(r.g_per_kg) + ' g/kg per ' + esc(r.per) + days + (r.interval_weeks ? ', every ' + esc(r.interval_weeks) + ' weeks' : '');
}
function renderRecommendation(rec) {
  const d = rec.dose;
  let h = '<div id="verdict" class="verdict v-' + esc(rec.ivig) + '" data-verdict="' + esc(rec.ivig) + '">' + esc(VERDICTS[rec.ivig] || rec.ivig) + '</div>';
  h += '<p>' + esc(rec.pathway_title) + ' <small>(pathway ' + esc(rec.pathway) + ' v' + esc(rec.ruleset_version) + ', engine ' + esc(rec.engine) + ')</small></p>';
  for (const c of (rec.conflicts || [])) h += '<div class="conflict" data-conflict="' + esc(c.id) + '"><strong>Sources disagree:</strong> ' + esc(c.summary) + ' No go-ahead: a specialist decides.<ul>' + c.positions.map(p => '<li>' + esc(p.role === 'pathway' ? 'this pathway' : 'another source') + ': ' + esc(p.says) + '</li>').join('') + '</ul></div>';
  if (rec.not_recorded && rec.not_recorded.length) h += '<p id="not-recorded"><strong>Not recorded</strong> (check before the first infusion): ' + esc(rec.not_recorded.join(', ')) + '</p>';
  if (rec.step_label) h += '<p><strong>Next step:</strong> ' + esc(rec.step_label) + (rec.line ? ' (line ' + rec.line + ')' : '') + '</p>';
  if (d) h += '<p id="dose"><strong>Dose:</strong> ' + perKg(d) +
      '; dosing weight ' + esc(d.dosing_weight_kg) + ' kg (' + esc(d.weight_basis) + '); ' + esc(d.per_day_g) + ' g per day, ' + esc(d.total_g) + ' g in all</p>';
  else if (rec.regimen) h += '<p id="regimen"><strong>Regimen:</strong> ' + perKg(rec.regimen) +
      '. <strong>Dose in grams: not worked out</strong>; it needs the body weight, which was not recorded.</p>';
  if (rec.alerts.length) h += '<p><strong>Alerts</strong></p><ul id="alerts">' + rec.alerts.map(a => '<li data-alert="' + esc(a.id) + '"><em>' + esc(a.severity) + '</em> ' + esc(a.message) + '</li>').join('') + '</ul>';
  if (rec.citations.length) h += '<p><small>Citations: ' + rec.citations.map(c => esc(c.text)).join('; ') + '</small></p>';
  if (rec.input) h += '<p><small>Read from FHIR; not recorded: ' + esc(rec.input.not_recorded.join(', ') || 'nothing') + '</small></p>';
  $('result').className = 'panel'; $('result').innerHTML = h;
}
function renderExplanation(ex) {
  let h = '<strong>Why</strong><ol id="trace">' + ex.trace.map(t => '<li data-rule="' + esc(t.rule) + '">' + esc(t.rule) + ' <small>(' + esc(t.role) + ')</small>' +
      (t.description ? ': ' + esc(t.description) : '') + '</li>').join('') + '</ol>';
  if (ex.why_not && ex.why_not.length) h += '<strong>Why not IVIG</strong><ul>' + ex.why_not.map(m => '<li>' + esc(m.rule) + ': ' + esc((m.unmet || []).map(u => u.text || u.fact || JSON.stringify(u)).join('; ') || ('outranked by ' + m.outranked_by)) + '</li>').join('') + '</ul>';
  if (ex.defaults && ex.defaults.length) h += '<p><small>Not given, so defaults were used: ' + ex.defaults.map(esc).join(', ') + '</small></p>';
  $('explanation').innerHTML = h; $('explanation').hidden = false;
}
async function renderDiagram(rec) {
  const base = '/pathways/' + encodeURIComponent(rec.pathway);
  const query = rec.rules_fired.map(r => 'rule=' + encodeURIComponent(r)).join('&');
  const [svgResp, routeResp] = await Promise.all([fetch(base + '/diagram.svg'), fetch(base + '/route?' + query)]);
  const box = $('diagram'); const steps = $('route-steps'); $('route').hidden = false;
  if (!svgResp.ok || !routeResp.ok) {
    const failed = svgResp.ok ? routeResp : svgResp;
    box.innerHTML = '<p class="muted">No diagram: ' + esc((await failed.json()).error.message) + '</p>'; steps.innerHTML = ''; return;
  }
  const text = await svgResp.text(); const route = await routeResp.json();
  box.innerHTML = text.slice(text.indexOf('<svg'));
  for (const g of box.querySelectorAll('[role="button"]')) { g.removeAttribute('role'); g.removeAttribute('tabindex'); }  // nothing opens on a click here
  const nodes = new Set([...route.boxes, ...route.notes.map(n => 'note:' + n.note), ...route.way_in.flatMap(a => [a.from, a.to])]);
  const arrows = new Set(route.arrows.map(a => a.from + '->' + a.to));
  const wayIn = new Set(route.way_in.map(a => a.from + '->' + a.to));
  for (const g of box.querySelectorAll('g.node[data-node]')) if (nodes.has(g.dataset.node)) g.classList.add('route');
  for (const g of box.querySelectorAll('g.edge')) {
    const t = g.querySelector('title'); if (!t) continue;
    if (arrows.has(t.textContent)) g.classList.add('route');
    else if (wayIn.has(t.textContent)) g.classList.add('route', 'way-in');
  }
  box.classList.add('routed');
  box.dataset.routeEdges = String(box.querySelectorAll('g.edge.route').length);
  box.dataset.routeBoxes = String(box.querySelectorAll('g.node.route').length);
  const item = (a) => '<li data-arrow="' + esc(a.from + '->' + a.to) + '">' + esc(a.where) + (a.label ? ' <em>' + esc(a.label) + '</em>' : '') + '</li>';
  let h = route.way_in.length ? '<strong>The way there</strong> <small class="muted">(dashed: the steps before the rule that decided)</small><ol id="way-in">' + route.way_in.map(item).join('') + '</ol>' : '';
  h += '<strong>Arrows of the rules that fired</strong>' + (route.arrows.length ? '<ol id="route-arrows">' + route.arrows.map(item).join('') + '</ol>'
      : '<p class="muted">none: the rules that fired sit in notes only</p>');
  if (route.notes.length) h += '<strong>Notes that apply</strong><ul>' + route.notes.map(n => '<li data-note="' + n.note + '">(' + n.note + ') ' + esc(n.text) + '</li>').join('') + '</ul>';
  h += '<p id="route-rules"><small>Rules that fired: ' + route.rules.map(p => '<code data-rule="' + esc(p.rule) + '">' + esc(p.rule) + '</code>').join(', ') + '</small></p>';
  if (route.not_shown.length) h += '<p><strong>Not on this diagram:</strong> ' + route.not_shown.map(esc).join(', ') + '</p>';
  steps.innerHTML = h;
}
$('patient-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  let patient;
  try { patient = patientFromForm(); } catch (e) {
    showError({error: {message: e instanceof MissingFacts ? e.message : 'the FHIR Bundle is not valid JSON: ' + e.message}}); return;
  }
  const [[s1, rec], [s2, ex]] = await Promise.all([post('/evaluate', patient), post('/explain', patient)]);
  if (s1 !== 200) { showError(rec); return; }
  renderRecommendation(rec);
  if (s2 === 200) renderExplanation(ex);
  await renderDiagram(rec);
  document.body.dataset.done = '1';
});
"""
