// The emulator's dashboard: the status API (/_esm/mappings) polled once a second, the Lambda API
// for Enable/Disable, the status API for replay and offset reset. Everything shown that comes
// from a mapping or a record is set as text (textContent, never HTML), so a value such as
// "<script>" reads as what it is.
'use strict';

const PAGE_SIZE = 50;
const POLL_MS = 1000;
const RECORDS_SHOWN = 20;  // per invocation; the rest are counted

const view = {
  mappings: [],
  filter: '',
  page: 0,
  selected: null,     // UUID
  cards: new Map(),   // RequestId -> <li> of the selected mapping's timeline
  token: null,        // --dashboard-token, from /#token=...
};

// ---- HTTP --------------------------------------------------------------------------------------

function readToken() {
  const m = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (m) {
    sessionStorage.setItem('esm-dashboard-token', decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname);  // out of the address bar and history
  }
  return sessionStorage.getItem('esm-dashboard-token');
}

async function api(method, path, body) {
  const headers = {};
  if (view.token) headers['X-Esm-Dashboard-Token'] = view.token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method, headers, cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { /* not JSON: shown as text */ }
  if (!response.ok) {
    const type = response.headers.get('X-Amzn-ErrorType') || String(response.status);
    const message = (data && (data.message || data.Message)) || text;
    const error = new Error(`${type}: ${message}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

// ---- DOM helpers -------------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k.startsWith('data-') || k === 'title' || k === 'aria-label') e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c !== undefined && c !== null) e.append(c);
  return e;
}

const $ = (id) => document.getElementById(id);
const functionName = (arn) => arn.slice(arn.lastIndexOf(':') + 1);
const isProblem = (result) => typeof result === 'string' && result.startsWith('PROBLEM');

function banner(message) {
  $('banner').hidden = !message;
  $('banner').textContent = message || '';
}

// ---- Record decoding ---------------------------------------------------------------------------

function base64Bytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; ++i) out[i] = bin.charCodeAt(i);
  return out;
}

// Bytes as the reader wants them: pretty JSON where they are JSON, UTF-8 text where they are
// text, else hex.
function decodeBytes(bytes) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (_) {
    const hex = Array.from(bytes.slice(0, 64), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return { kind: 'binary', text: `${bytes.length} bytes: ${hex}${bytes.length > 64 ? ' ...' : ''}` };
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try { return { kind: 'json', text: JSON.stringify(JSON.parse(trimmed), null, 2) }; } catch (_) { }
  }
  return { kind: 'text', text };
}

function field(label, decoded) {
  return el('div', { class: `field field-${label}` },
    el('span', { class: 'label' }, label),
    el('pre', { class: `value ${decoded.kind}` }, decoded.text));
}

function recordView(r) {
  const when = r.timestamp ? new Date(r.timestamp).toISOString() : '';
  const out = el('div', { class: 'record', 'data-offset': String(r.offset) },
    el('div', { class: 'meta' },
      `${r.topic}-${r.partition} @ ${r.offset}  ${when} ${r.timestampType || ''}`));
  if (r.key !== undefined && r.key !== null) out.append(field('key', decodeBytes(base64Bytes(r.key))));
  if (r.value !== undefined && r.value !== null) {
    out.append(field('value', decodeBytes(base64Bytes(r.value))));
  } else {
    out.append(field('value', { kind: 'text', text: '(null)' }));
  }
  for (const header of r.headers || []) {
    for (const [name, bytes] of Object.entries(header)) {
      const decoded = decodeBytes(Uint8Array.from(bytes, (b) => b & 0xff));
      out.append(el('div', { class: 'header' }, el('span', { class: 'label' }, 'header'),
        el('span', { class: 'header-name' }, name), ': ',
        el('span', { class: 'header-value' }, decoded.text)));
    }
  }
  return out;
}

function recordsView(inv) {
  if (inv.Event === null) return el('p', { class: 'hint' }, 'Event not recorded (--invocation-event-bytes 0).');
  if (inv.EventTruncated) {
    return el('p', { class: 'hint' },
      `Event recorded in part (${inv.Event.length} of ${inv.PayloadBytes} bytes); records not shown.`);
  }
  let event;
  try { event = JSON.parse(inv.Event); } catch (_) { return el('pre', {}, inv.Event); }
  const all = Object.values(event.records || {}).flat();
  const box = el('details', { class: 'records', open: true },
    el('summary', {}, `${all.length} record(s)`));
  for (const r of all.slice(0, RECORDS_SHOWN)) box.append(recordView(r));
  if (all.length > RECORDS_SHOWN) box.append(el('p', { class: 'hint' }, `... and ${all.length - RECORDS_SHOWN} more`));
  return box;
}

// ---- The list of mappings ----------------------------------------------------------------------

function matches(m, needle) {
  if (!needle) return true;
  const hay = [m.UUID, m.FunctionArn, m.State, m.LastProcessingResult, m.StateTransitionReason,
    ...m.Topics].join(' ').toLowerCase();
  return hay.includes(needle);
}

function mappingRow(m) {
  const partitions = m.Partitions.map((p) => `p${p.Partition}: ${p.OffsetLag}`).join('  ');
  return el('tr', {
    'data-uuid': m.UUID,
    class: [m.UUID === view.selected ? 'selected' : '', isProblem(m.LastProcessingResult) ? 'has-problem' : ''].join(' '),
    onclick: () => select(m.UUID),
  },
    el('td', { title: m.UUID }, el('code', {}, m.UUID.slice(0, 8))),
    el('td', { class: 'function' }, functionName(m.FunctionArn)),
    el('td', { class: 'topic' }, m.Topics.join(', ')),
    el('td', { class: 'state-cell' }, el('span', { class: `state state-${m.State}` }, m.State)),
    el('td', { class: `result${isProblem(m.LastProcessingResult) ? ' problem' : ''}` }, m.LastProcessingResult),
    el('td', { class: 'lag' }, String(m.OffsetLag)),
    el('td', { class: 'partitions' }, partitions));
}

function renderList() {
  const shown = view.mappings.filter((m) => matches(m, view.filter));
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  view.page = Math.min(view.page, pages - 1);
  const first = view.page * PAGE_SIZE;
  const rows = shown.slice(first, first + PAGE_SIZE).map(mappingRow);
  $('rows').replaceChildren(...rows);
  $('page').textContent = shown.length === 0 ? '0 of 0'
    : `${first + 1}-${first + rows.length} of ${shown.length}`;
  $('prev').disabled = view.page === 0;
  $('next').disabled = view.page >= pages - 1;
  const problems = view.mappings.filter((m) => isProblem(m.LastProcessingResult)).length;
  $('summary').textContent = `${view.mappings.length} mapping(s), ${problems} with a problem`;
  $('summary').className = problems ? 'problem' : '';
}

// ---- The selected mapping ----------------------------------------------------------------------

function facts(s) {
  const items = [
    ['State', el('span', { class: `state state-${s.State}`, 'data-field': 'State' }, s.State)],
    ['StateTransitionReason', s.StateTransitionReason],
    ['LastProcessingResult', el('span', {
      class: isProblem(s.LastProcessingResult) ? 'problem' : '', 'data-field': 'LastProcessingResult',
    }, s.LastProcessingResult)],
    ['Function', s.FunctionArn],
    ['Topics', s.Topics.join(', ')],
    ['ConsumerGroupId', s.ConsumerGroupId],
    ['Consumer', s.ConsumerRunning ? 'running' : 'stopped'],
    ['OffsetLag', String(s.OffsetLag)],
  ];
  if (s.LastError) {
    items.push(['LastError', el('span', { class: 'problem', 'data-field': 'LastError' },
      `${s.LastError.Message} (${s.LastError.Time})`)]);
  }
  return items.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]);
}

function invocationCard(uuid, inv) {
  const failed = inv.Outcome !== 'Success';
  const ranges = inv.Partitions.map((p) => `${p.Partition} ${p.FirstOffset}-${p.LastOffset}`).join(', ');
  const replayable = inv.Event !== null && !inv.EventTruncated;
  const card = el('li', { class: `invocation${failed ? ' failed' : ''}`, 'data-request-id': inv.RequestId },
    el('div', { class: 'head' },
      el('span', { class: 'outcome' }, inv.Outcome),
      el('span', {}, new Date(inv.StartTime).toLocaleTimeString()),
      el('span', {}, `${inv.RecordCount} record(s)`),
      el('span', {}, ranges),
      el('span', {}, `${inv.DurationMs.toFixed(1)} ms`),
      el('span', { class: 'hint', title: inv.RequestId }, inv.RequestId.slice(0, 8)),
      inv.ReplayOf ? el('span', { class: 'replay-of', title: inv.ReplayOf }, `replay of ${inv.ReplayOf.slice(0, 8)}`) : null,
      el('button', {
        type: 'button', class: 'replay', disabled: !replayable,
        title: replayable ? 'Send this event to the function again (commits nothing)' : 'The event was not recorded in full',
        onclick: () => replay(uuid, inv.RequestId),
      }, 'Replay')));
  if (inv.Error) card.append(el('div', { class: 'error' }, inv.Error));
  card.append(recordsView(inv));
  card.append(el('div', { class: 'response' }, el('span', { class: 'label' }, 'response'),
    el('pre', {}, inv.Response + (inv.ResponseTruncated ? ' ...' : ''))));
  return card;
}

function renderTimeline(s) {
  const list = $('d-invocations');
  const live = new Set(s.Invocations.map((i) => i.RequestId));
  for (const [id, card] of view.cards) {
    if (!live.has(id)) { card.remove(); view.cards.delete(id); }
  }
  for (const inv of s.Invocations) {  // oldest first: each new one goes on top
    if (view.cards.has(inv.RequestId)) continue;
    const card = invocationCard(s.UUID, inv);
    view.cards.set(inv.RequestId, card);
    list.prepend(card);
  }
}

function renderDetail(s) {
  $('detail').hidden = false;
  $('d-title').textContent = `Mapping ${s.UUID}`;
  $('d-facts').replaceChildren(...facts(s));
  $('d-enable').disabled = s.State === 'Enabled' || s.State === 'Enabling';
  $('d-disable').disabled = s.State === 'Disabled' || s.State === 'Disabling';
  $('d-reset-fields').disabled = s.State !== 'Disabled';
  $('d-partitions').replaceChildren(...s.Partitions.map((p) => el('tr', { 'data-partition': String(p.Partition) },
    el('td', {}, String(p.Partition)), el('td', {}, String(p.CommittedOffset)),
    el('td', {}, String(p.HighWatermark)), el('td', {}, String(p.OffsetLag)))));
  renderTimeline(s);
}

async function refreshDetail() {
  const uuid = view.selected;
  if (!uuid) return;
  try {
    const s = await api('GET', `/_esm/mappings/${encodeURIComponent(uuid)}`);
    if (uuid === view.selected) renderDetail(s);
  } catch (e) {
    if (uuid !== view.selected) return;
    if (e.status === 404) { view.selected = null; $('detail').hidden = true; return; }
    actionResult(e.message, true);
  }
}

function select(uuid) {
  if (view.selected !== uuid) {
    view.selected = uuid;
    view.cards.clear();
    $('d-invocations').replaceChildren();
    actionResult('', false);
  }
  renderList();
  refreshDetail();
}

// ---- Actions -----------------------------------------------------------------------------------

function actionResult(text, failed) {
  $('d-action-result').textContent = text;
  $('d-action-result').className = failed ? 'problem' : '';
}

async function act(what, call) {
  actionResult(`${what}...`, false);
  try {
    const done = await call();
    actionResult(done, false);
  } catch (e) {
    actionResult(`${what} failed: ${e.message}`, true);
  }
  await Promise.all([refreshDetail(), refreshList()]);
}

function setEnabled(enabled) {
  const uuid = view.selected;
  act(enabled ? 'Enabling' : 'Disabling', async () => {
    const m = await api('PUT', `/2015-03-31/event-source-mappings/${encodeURIComponent(uuid)}`, { Enabled: enabled });
    return `State: ${m.State}`;
  });
}

function resetOffsets(event) {
  event.preventDefault();
  const uuid = view.selected;
  const position = $('d-position').value;
  const body = { Position: position };
  if (position === 'AT_TIMESTAMP') {
    const when = new Date($('d-time').value).getTime();  // the input's local time
    if (Number.isNaN(when)) { actionResult('Choose a time for AT_TIMESTAMP.', true); return; }
    body.Timestamp = Math.floor(when / 1000);
  }
  act('Resetting offsets', async () => {
    const r = await api('PUT', `/_esm/mappings/${encodeURIComponent(uuid)}/offsets`, body);
    return `Offsets set: ${r.Partitions.map((p) => `p${p.Partition} -> ${p.Offset}`).join(', ')}`;
  });
}

function replay(uuid, requestId) {
  act('Replaying', async () => {
    const r = await api('POST',
      `/_esm/mappings/${encodeURIComponent(uuid)}/invocations/${encodeURIComponent(requestId)}/replay`, {});
    return `Replay: ${r.Outcome} in ${r.DurationMs.toFixed(1)} ms`;
  });
}

// ---- The poll loop -----------------------------------------------------------------------------

async function refreshList() {
  try {
    const data = await api('GET', '/_esm/mappings');
    view.mappings = data.Mappings;
    renderList();
    banner(null);
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    banner(e.status === 403
      ? `${e.message} Open the dashboard as /#token=TOKEN with the emulator's --dashboard-token.`
      : `The emulator did not answer: ${e.message}`);
  }
}

async function poll() {
  await refreshList();
  await refreshDetail();
  setTimeout(poll, POLL_MS);  // after the answer: a slow emulator is not asked twice at once
}

function start() {
  view.token = readToken();
  $('filter').addEventListener('input', () => {
    view.filter = $('filter').value.trim().toLowerCase();
    view.page = 0;
    renderList();
  });
  $('prev').addEventListener('click', () => { view.page -= 1; renderList(); });
  $('next').addEventListener('click', () => { view.page += 1; renderList(); });
  $('d-enable').addEventListener('click', () => setEnabled(true));
  $('d-disable').addEventListener('click', () => setEnabled(false));
  $('d-reset').addEventListener('submit', resetOffsets);
  poll();
}

document.addEventListener('DOMContentLoaded', start);
