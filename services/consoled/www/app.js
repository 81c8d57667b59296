/*
 * app.js - the Timegate web console: one page, hash routes, no libraries.
 *
 * Everything the console shows comes from consoled's JSON API (/api/...),
 * and every state-changing request carries the session's CSRF token in
 * X-CSRF-Token with a JSON body.  The page is served under a strict
 * Content-Security-Policy (script-src 'self', style-src 'self', no eval),
 * so this file never builds HTML from strings: every node is made with
 * createElement and every server value goes in through textContent, which
 * also keeps a user name typed at the login form (and later shown in the
 * audit table) from ever becoming markup.  No inline styles either: looks
 * are classes in app.css; the graphs are drawn on <canvas> with colours read
 * from the stylesheet's custom properties, so light and dark schemes agree.
 *
 * Routes: #/setup #/login #/totp (logged out), #/dashboard #/updates
 * #/config[/SECTION] #/logs #/audit #/users #/account (logged in; audit
 * and users for admins; the configuration is read-only below admin).
 */
'use strict';

(function () {

/* ------------------------------------------------------------------ */
/* DOM helpers                                                         */

/*
 * el('button', {class: 'x', type: 'button', onclick: fn}, 'text', child...)
 * "text" sets textContent; on* keys become listeners (never attributes:
 * the CSP forbids inline handlers); true/false props set DOM properties.
 */
function el(tag, props, ...kids) {
	const n = document.createElement(tag);
	if (props) {
		for (const [k, v] of Object.entries(props)) {
			if (v === undefined || v === null || v === false) continue;
			if (k === 'text') n.textContent = String(v);
			else if (k === 'class') n.className = v;
			else if (k === 'for') n.htmlFor = v;
			else if (k.startsWith('on') && typeof v === 'function') n.addEventListener(k.slice(2), v);
			else if (v === true) n.setAttribute(k, '');
			else n.setAttribute(k, String(v));
		}
	}
	append(n, kids);
	return n;
}

function append(n, kids) {
	for (const k of kids) {
		if (k === null || k === undefined || k === false) continue;
		if (Array.isArray(k)) append(n, k);
		else if (k instanceof Node) n.appendChild(k);
		else n.appendChild(document.createTextNode(String(k)));
	}
}

function byId(id) { return document.getElementById(id); }

function setText(n, s) {
	const t = (s === undefined || s === null) ? '\u2014' : String(s);
	if (n.textContent !== t) n.textContent = t;
}

let idSeq = 0;
function uid(prefix) { idSeq += 1; return prefix + '-' + idSeq; }

function announce(msg) {
	const a = byId('announce');
	a.textContent = '';
	/* a fresh text node after a tick makes screen readers repeat it */
	setTimeout(() => { a.textContent = msg; }, 50);
}

/* ------------------------------------------------------------------ */
/* API                                                                 */

class ApiError extends Error {
	constructor(status, message, data, retryAfter) {
		super(message);
		this.status = status;
		this.data = data;
		this.retryAfter = retryAfter;
	}
}

const S = {
	session: null,     /* {user, role, csrf, totp} */
	needSetup: false,
	totpPending: false,
	flash: '',         /* message for the next login page */
	status: null,      /* last /api/status */
	span: 'hour',
	page: null,        /* the rendered page's context */
	route: '',
};

/*
 * method, path, body (an object, sent as JSON).  State-changing methods
 * always send the CSRF token and a JSON body ("{}" when there is nothing to
 * say): the web role refuses other content types on the API.
 * opts.auth: a login-type request whose 401 is an answer, not an expired
 * session.
 */
async function api(method, path, body, opts) {
	const o = opts || {};
	const init = { method, headers: {}, credentials: 'same-origin', cache: 'no-store' };
	if (method !== 'GET' && method !== 'HEAD') {
		init.headers['Content-Type'] = 'application/json';
		if (S.session && S.session.csrf) init.headers['X-CSRF-Token'] = S.session.csrf;
		if (method !== 'DELETE' || body !== undefined) init.body = JSON.stringify(body === undefined ? {} : body);
	}
	let r;
	try {
		r = await fetch(path, init);
	} catch (e) {
		throw new ApiError(0, 'Cannot reach the console (' + (e && e.message ? e.message : 'network error') + ')', null, null);
	}
	let data = null;
	try {
		data = await r.json();
	} catch (e) {
		data = null;
	}
	if (!r.ok) {
		const msg = (data && typeof data.error === 'string' && data.error) ? data.error : ('HTTP ' + r.status);
		if (r.status === 401 && S.session && !o.auth) sessionEnded();
		throw new ApiError(r.status, msg, data, r.headers.get('Retry-After'));
	}
	return data || {};
}

function errText(e) {
	if (e instanceof ApiError) {
		if (e.status === 429) {
			const s = parseInt(e.retryAfter || '', 10);
			return 'Too many attempts. ' + (s > 0 ? 'Try again in ' + s + ' s.' : 'Try again later.');
		}
		return e.message;
	}
	return (e && e.message) ? e.message : String(e);
}

/* ------------------------------------------------------------------ */
/* Formatting                                                          */

const STATES = {
	locked: { text: 'Locked', cls: 'state-locked', why: 'Disciplined to the GNSS reference' },
	holdover: { text: 'Holdover', cls: 'state-holdover', why: 'Reference lost: running on the last frequency' },
	unsync: { text: 'Unsynchronised', cls: 'state-unsync', why: 'No usable reference yet' },
	locking: { text: 'Locking', cls: 'state-locking', why: 'Reference seen: the clock is converging' },
	failed: { text: 'Failed', cls: 'state-failed', why: 'Integrity failure: time is not being served' },
	unavailable: { text: 'Unavailable', cls: 'state-unknown', why: 'The time service status is missing or stale' },
};
const STATE_NUM = ['unsync', 'locking', 'locked', 'holdover', 'failed'];

function stateInfo(s) {
	let k = s;
	if (typeof s === 'number') k = STATE_NUM[s] || 'unavailable';
	if (k === 'unsynchronised' || k === 'unsynchronized') k = 'unsync';
	return STATES[k] || { text: k ? String(k) : 'Unknown', cls: 'state-unknown', why: '' };
}

function isNum(v) { return typeof v === 'number' && Number.isFinite(v); }

/* a duration in ns with a unit chosen for its size: 850 ns, 12.3 µs, 4.56 ms */
function fmtNs(ns, signed) {
	if (!isNum(ns)) return '\u2014';
	const a = Math.abs(ns);
	const sign = ns < 0 ? '\u2212' : (signed && ns > 0 ? '+' : '');
	let v, u;
	if (a < 1e3) { v = a; u = 'ns'; }
	else if (a < 1e6) { v = a / 1e3; u = '\u00b5s'; }
	else if (a < 1e9) { v = a / 1e6; u = 'ms'; }
	else { v = a / 1e9; u = 's'; }
	const d = u === 'ns' ? 0 : (v < 10 ? 2 : (v < 100 ? 1 : 0));
	return sign + v.toFixed(d) + '\u00a0' + u;
}

/* the unit for an axis whose largest magnitude is max (ns) */
function axisUnit(max) {
	if (max < 1e3) return { div: 1, u: 'ns' };
	if (max < 1e6) return { div: 1e3, u: '\u00b5s' };
	if (max < 1e9) return { div: 1e6, u: 'ms' };
	return { div: 1e9, u: 's' };
}

function fmtBytes(n) {
	if (!isNum(n)) return '\u2014';
	if (n < 1024) return n + ' B';
	if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
	return (n / 1048576).toFixed(1) + ' MiB';
}

function fmtTimeUTC(t) {
	if (isNum(t)) return new Date(t * 1000).toISOString().replace('.000Z', 'Z');
	return t ? String(t) : '\u2014';
}

function fmtLatLon(v, pos, neg) {
	if (!isNum(v)) return '\u2014';
	return Math.abs(v).toFixed(5) + '\u00b0\u00a0' + (v < 0 ? neg : pos);
}

function fmtLeap(l) {
	if (l === 1 || l === 'insert') return 'Insert: the last minute of this UTC day has 61 s';
	if (l === 2 || l === 'delete') return 'Delete: the last minute of this UTC day has 59 s';
	if (l === 0 || l === 'none' || l === null || l === undefined) return 'None announced';
	return String(l);
}

function fmtFix(f) {
	if (f === 3 || f === '3') return '3D';
	if (f === 2 || f === '2') return '2D';
	if (f === 0 || f === 1 || f === 'none' || f === null || f === undefined || f === '') return 'No fix';
	return String(f);
}

function roleRank(r) {
	if (r === 'admin' || r === 3) return 3;
	if (r === 'operator' || r === 2) return 2;
	if (r === 'viewer' || r === 1) return 1;
	return 0;
}
function roleName(r) { return ['none', 'viewer', 'operator', 'admin'][roleRank(r)]; }
function isAdmin() { return !!S.session && roleRank(S.session.role) >= 3; }
function isOperator() { return !!S.session && roleRank(S.session.role) >= 2; }

function cssVar(name) {
	return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/* ------------------------------------------------------------------ */
/* Forms                                                               */

/*
 * A labelled form.  spec.fields: [{name, label, type, autocomplete, hint,
 * options, value, attrs, widget}]; type 'checkbox' and 'textarea' are
 * inputs of those kinds; a widget ({node, focusEl, get(), invalid(bool),
 * disable(bool)}) is a composite control (an editable list) that the form
 * labels, describes and reports errors for like an input.  An API error's
 * "field" names the field it belongs to; without it spec.errorField(msg)
 * maps the message to a field name (or null: a form-level error).
 * spec.readOnly: every control disabled and no submit button (a role that
 * may look but not change).  Returns {form, input(name), error(msg,
 * field), ok(msg), clear(), busy(bool), values()}.
 */
function makeForm(spec) {
	const inputs = {};
	const widgets = {};
	const errs = {};
	const fid = spec.id || uid('form');
	const formErr = el('p', { class: 'form-error', id: fid + '-error', 'aria-live': 'polite' });
	const formOk = el('p', { class: 'form-ok', id: fid + '-ok', role: 'status', 'aria-live': 'polite' });
	const submit = el('button', { type: 'submit', id: fid + '-submit', class: spec.submitClass || null, text: spec.submit });
	const form = el('form', { class: 'stack' + (spec.wideForm ? ' wide-form' : ''), id: fid, novalidate: true });
	for (const f of spec.fields) {
		const iid = fid + '-' + f.name;
		const eid = iid + '-err';
		const hid = f.hint ? iid + '-hint' : null;
		const describedBy = (hid ? hid + ' ' : '') + eid + ' ' + fid + '-error';
		errs[f.name] = el('p', { class: 'field-error', id: eid });
		if (f.widget) {
			/* a group: its legend labels it, each control in it has its own label */
			widgets[f.name] = f.widget;
			f.widget.node.setAttribute('aria-describedby', describedBy);
			form.appendChild(el('fieldset', { class: 'field group', id: iid },
				el('legend', { text: f.label }),
				hid ? el('p', { class: 'hint', id: hid, text: f.hint }) : null,
				f.widget.node, errs[f.name]));
			continue;
		}
		let input;
		if (f.options) {
			input = el('select', { id: iid, name: f.name });
			for (const o of f.options) input.appendChild(el('option', { value: o.value, text: o.label, selected: o.value === f.value }));
		} else if (f.type === 'textarea') {
			input = el('textarea', Object.assign({ id: iid, name: f.name, rows: '4', spellcheck: 'false', autocapitalize: 'none' }, f.attrs || {}));
			if (f.value) input.value = f.value;
		} else {
			input = el('input', Object.assign({
				id: iid, name: f.name, type: f.type || 'text', autocomplete: f.autocomplete || 'off',
				spellcheck: 'false', autocapitalize: 'none',
			}, f.attrs || {}));
			if (f.type === 'checkbox') input.checked = !!f.value;
			else if (f.value !== undefined && f.value !== null && f.value !== '') input.value = String(f.value);
		}
		input.setAttribute('aria-describedby', describedBy);
		if (spec.readOnly || f.readOnly) input.disabled = true;
		inputs[f.name] = input;
		if (f.type === 'checkbox') {
			form.appendChild(el('div', { class: 'field check' },
				el('div', { class: 'check-row' }, input, el('label', { for: iid, text: f.label })),
				hid ? el('p', { class: 'hint', id: hid, text: f.hint }) : null,
				errs[f.name]));
		} else {
			form.appendChild(el('div', { class: 'field' },
				el('label', { for: iid, text: f.label }),
				hid ? el('p', { class: 'hint', id: hid, text: f.hint }) : null,
				input, errs[f.name]));
		}
	}
	if (spec.readOnly) {
		for (const w of Object.values(widgets)) w.disable(true);
		if (spec.extraButtons) form.appendChild(el('div', { class: 'actions' }, spec.extraButtons));
	} else {
		form.appendChild(el('div', { class: 'actions' }, submit, spec.extraButtons || null));
	}
	form.appendChild(formErr);
	form.appendChild(formOk);

	const api_ = {
		form,
		submitButton: submit,
		input: (n) => inputs[n],
		clear() {
			formErr.textContent = '';
			formOk.textContent = '';
			for (const n of Object.keys(errs)) errs[n].textContent = '';
			for (const n of Object.keys(inputs)) inputs[n].removeAttribute('aria-invalid');
			for (const w of Object.values(widgets)) w.invalid(false);
		},
		error(msg0, field) {
			const msg = sentence(msg0);
			const f = field !== undefined && field !== null ? field : (spec.errorField ? spec.errorField(msg) : null);
			const onField = !!(f && (inputs[f] || widgets[f]));
			/* next to the field, "holdover_drift_ppb: expected ..." needs no name */
			const short = onField ? sentence(msg.replace(new RegExp('^' + f + ':\\s*', 'i'), '')) : msg;
			if (onField && inputs[f]) {
				errs[f].textContent = short;
				inputs[f].setAttribute('aria-invalid', 'true');
				inputs[f].focus();
			} else if (onField) {
				errs[f].textContent = short;
				widgets[f].invalid(true, msg);
				if (widgets[f].focusEl()) widgets[f].focusEl().focus();
			}
			/* the form-level live region always says it, so it is
			 * announced; shown only when no field shows it already */
			formErr.classList.toggle('sr-only', onField);
			formErr.textContent = msg;
		},
		ok(msg) { formOk.textContent = msg; },
		busy(b) { submit.disabled = !!b; },
		values() {
			const v = {};
			for (const n of Object.keys(inputs)) v[n] = inputs[n].type === 'checkbox' ? inputs[n].checked : inputs[n].value;
			for (const n of Object.keys(widgets)) v[n] = widgets[n].get();
			return v;
		},
	};
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		if (submit.disabled || spec.readOnly) return;
		api_.clear();
		api_.busy(true);
		try {
			await spec.onSubmit(api_.values(), api_);
		} catch (e) {
			const fld = e instanceof ApiError && e.data && typeof e.data.field === 'string' && e.data.field ? e.data.field : undefined;
			api_.error(errText(e), fld);
		} finally {
			api_.busy(false);
		}
	});
	return api_;
}

/* the daemon's messages start in lower case; shown alone they read better as a sentence */
function sentence(m) {
	const s = String(m);
	return s.charAt(0).toUpperCase() + s.slice(1);
}

/* map an API error message to a field by keywords, in the order given */
function fieldMapper(rules) {
	return (msg) => {
		const m = String(msg).toLowerCase();
		for (const [re, f] of rules) if (re.test(m)) return f;
		return null;
	};
}

/* ------------------------------------------------------------------ */
/* Confirm dialog (the <dialog> in index.html; Escape cancels)        */

function confirmDialog(title, text, okLabel) {
	const d = byId('confirm');
	byId('confirm-title').textContent = title;
	byId('confirm-text').textContent = text;
	byId('confirm-ok').textContent = okLabel || 'Confirm';
	const opener = document.activeElement;
	return new Promise((resolve) => {
		const done = () => {
			d.removeEventListener('close', done);
			resolve(d.returnValue === 'ok');
			if (opener && typeof opener.focus === 'function' && document.contains(opener)) opener.focus();
		};
		d.returnValue = '';
		d.addEventListener('close', done);
		d.showModal();
		byId('confirm-cancel').focus();
	});
}

/* ------------------------------------------------------------------ */
/* Session and routing                                                 */

const PUBLIC = new Set(['setup', 'login', 'totp']);

async function loadSession() {
	try {
		const s = await api('GET', '/api/session', undefined, { auth: true });
		S.session = s;
		S.needSetup = false;
		S.totpPending = false;
	} catch (e) {
		S.session = null;
		if (e.status === 401) {
			S.needSetup = !!(e.data && e.data.setup);
		} else {
			throw e;
		}
	}
}

function loggedIn(s) {
	S.session = s;
	S.needSetup = false;
	S.totpPending = false;
	S.flash = '';
	updateChrome();
	const next = S.afterLogin && !PUBLIC.has(S.afterLogin) ? S.afterLogin : 'dashboard';
	S.afterLogin = '';
	go(next);
}

function sessionEnded() {
	S.session = null;
	S.flash = 'Your session ended. Please log in again.';
	stopStatus();
	updateChrome();
	setTimeout(render, 0);
}

async function logout() {
	try {
		await api('POST', '/api/logout', {});
	} catch (e) {
		/* logged out either way: the session may already be gone */
	}
	S.session = null;
	S.flash = 'You are logged out.';
	stopStatus();
	updateChrome();
	go('login');
}

function currentRoute() {
	const m = /^#\/([a-z]+)/.exec(location.hash);
	return m ? m[1] : '';
}

function go(name) {
	if (currentRoute() === name) render();
	else location.hash = '#/' + name;
}

const ROUTES = {
	setup: { title: 'Set up', render: renderSetup },
	login: { title: 'Log in', render: renderLogin },
	totp: { title: 'Two-factor code', render: renderTotp },
	dashboard: { title: 'Dashboard', render: renderDashboard },
	updates: { title: 'Updates', render: renderUpdates },
	config: { title: 'Configuration', render: renderConfig },
	logs: { title: 'Logs', render: renderLogs },
	audit: { title: 'Audit', render: renderAudit, admin: true },
	users: { title: 'Users', render: renderUsers, admin: true },
	account: { title: 'Account', render: renderAccount },
};

/* the rendered page: its timers and observers end when the page is left */
function newPage(name) {
	if (S.page) {
		for (const t of S.page.timers) clearInterval(t);
		for (const o of S.page.observers) o.disconnect();
		for (const f of S.page.cleanups) f();
		S.page.alive = false;
	}
	S.page = { name, alive: true, timers: [], observers: [], cleanups: [], onStatus: null };
	return S.page;
}

function render() {
	const want = currentRoute();
	let r;
	if (!S.session) {
		if (S.needSetup) r = 'setup';
		else if (want === 'totp' && S.totpPending) r = 'totp';
		else r = 'login';
		if (!PUBLIC.has(want) && want) S.afterLogin = want;
	} else {
		r = ROUTES[want] && !PUBLIC.has(want) ? want : 'dashboard';
		if (ROUTES[r].admin && !isAdmin()) r = 'dashboard';
	}
	if (r !== want) history.replaceState(null, '', '#/' + r);
	S.route = r;
	updateChrome();
	const page = newPage(r);
	const main = byId('main');
	main.replaceChildren();
	document.title = ROUTES[r].title + ' \u2013 Timegate';
	ROUTES[r].render(main, page);
	if (PUBLIC.has(r)) {
		const first = main.querySelector('input');
		if (first) first.focus();
	} else {
		main.focus({ preventScroll: true });
	}
	if (S.session) restartStatus();
}

function updateChrome() {
	const on = !!S.session;
	byId('who').hidden = !on;
	byId('nav').hidden = !on;
	if (on) {
		setText(byId('who-user'), S.session.user + ' (' + roleName(S.session.role) + ')');
		for (const li of document.querySelectorAll('#nav [data-role="admin"]')) li.hidden = !isAdmin();
	}
	for (const a of document.querySelectorAll('#nav a[data-route]')) {
		if (a.dataset.route === S.route) a.setAttribute('aria-current', 'page');
		else a.removeAttribute('aria-current');
	}
}

/* ------------------------------------------------------------------ */
/* Status polling: every 2 s on the dashboard, every 10 s elsewhere   */
/* (the top bar's clock badge)                                         */

let statusSeq = 0;
let statusTimer = 0;

function stopStatus() {
	statusSeq += 1;
	clearTimeout(statusTimer);
}

function restartStatus() {
	stopStatus();
	pollStatus(statusSeq);
}

async function pollStatus(seq) {
	if (!S.session || seq !== statusSeq) return;
	try {
		const st = await api('GET', '/api/status');
		if (seq !== statusSeq) return;
		S.status = st;
		setBadge(st && st.time ? st.time.state : null);
		if (S.page && S.page.alive && S.page.onStatus) S.page.onStatus(st, null);
	} catch (e) {
		if (seq !== statusSeq) return;
		setBadge(null);
		if (S.page && S.page.alive && S.page.onStatus) S.page.onStatus(null, e);
	}
	if (seq === statusSeq && S.session) {
		statusTimer = setTimeout(() => pollStatus(seq), S.route === 'dashboard' ? 2000 : 10000);
	}
}

function setBadge(state) {
	const b = byId('clock-badge');
	const info = state === null || state === undefined ? { text: 'Unknown', cls: 'state-unknown' } : stateInfo(state);
	b.className = 'badge ' + info.cls;
	setText(byId('clock-badge-text'), info.text);
}

/* ------------------------------------------------------------------ */
/* Logged-out pages                                                    */

function renderSetup(main) {
	main.appendChild(el('h1', { text: 'Set up Timegate' }));
	main.appendChild(el('p', {
		text: 'This device has no administrator yet. Enter the setup code that the device ' +
		    'printed on its serial console, and choose the administrator\u2019s name and password.',
	}));
	const f = makeForm({
		id: 'setup-form',
		submit: 'Create administrator',
		fields: [
			{ name: 'code', label: 'Setup code', hint: 'Ten letters and digits, like ABCDE-FGHIJ', autocomplete: 'one-time-code' },
			{ name: 'user', label: 'Administrator name', hint: 'Lower-case letters, digits, _ and -', autocomplete: 'username', value: 'admin' },
			{ name: 'password', label: 'Password', type: 'password', hint: 'At least 12 characters, not containing the name', autocomplete: 'new-password' },
			{ name: 'password2', label: 'Password again', type: 'password', autocomplete: 'new-password' },
		],
		errorField: fieldMapper([[/code/, 'code'], [/password/, 'password'], [/user|name/, 'user']]),
		async onSubmit(v, form) {
			if (!v.code.trim()) return form.error('Enter the setup code.', 'code');
			if (!v.user.trim()) return form.error('Enter a name for the administrator.', 'user');
			if (v.password !== v.password2) return form.error('The two passwords differ.', 'password2');
			const s = await api('POST', '/api/setup', { code: v.code.trim(), user: v.user.trim(), password: v.password }, { auth: true });
			announce('Administrator created. You are logged in.');
			loggedIn(s);
		},
	});
	main.appendChild(el('section', { class: 'card narrow', 'aria-label': 'Setup' }, f.form));
}

function renderLogin(main) {
	main.appendChild(el('h1', { text: 'Log in' }));
	if (S.flash) main.appendChild(el('p', { class: 'muted', role: 'status', text: S.flash }));
	const f = makeForm({
		id: 'login-form',
		submit: 'Log in',
		fields: [
			{ name: 'user', label: 'User name', autocomplete: 'username' },
			{ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' },
		],
		async onSubmit(v, form) {
			if (!v.user.trim() || !v.password) return form.error('Enter your user name and password.', v.user.trim() ? 'password' : 'user');
			let s;
			try {
				s = await api('POST', '/api/login', { user: v.user.trim(), password: v.password }, { auth: true });
			} catch (e) {
				form.input('password').value = '';
				if (e.status === 401) return form.error(/^HTTP /.test(e.message) ? 'Wrong user name or password.' : e.message, 'password');
				throw e;
			}
			if (s.totp_required) {
				S.totpPending = true;
				go('totp');
				return;
			}
			loggedIn(s);
		},
	});
	main.appendChild(el('section', { class: 'card narrow', 'aria-label': 'Login' }, f.form));
}

function renderTotp(main) {
	main.appendChild(el('h1', { text: 'Two-factor code' }));
	main.appendChild(el('p', { text: 'Enter the six-digit code from your authenticator app.' }));
	const f = makeForm({
		id: 'totp-form',
		submit: 'Verify',
		fields: [
			{ name: 'code', label: 'Code', autocomplete: 'one-time-code', attrs: { inputmode: 'numeric', maxlength: '6' } },
		],
		errorField: () => 'code',
		async onSubmit(v, form) {
			const code = v.code.replace(/\s+/g, '');
			if (!/^[0-9]{6}$/.test(code)) return form.error('The code has six digits.', 'code');
			let s;
			try {
				s = await api('POST', '/api/login/totp', { code }, { auth: true });
			} catch (e) {
				if (e.status === 401 && !(e.data && /code|totp|two-factor/i.test(e.data.error || ''))) {
					/* the pending login itself is gone: start again */
					S.totpPending = false;
					S.flash = 'The login timed out. Please log in again.';
					go('login');
					return;
				}
				throw e;
			}
			loggedIn(s);
		},
		extraButtons: el('button', {
			type: 'button', class: 'secondary', text: 'Cancel',
			onclick: () => { S.totpPending = false; api('POST', '/api/logout', {}).catch(() => {}); go('login'); },
		}),
	});
	main.appendChild(el('section', { class: 'card narrow', 'aria-label': 'Two-factor code' }, f.form));
}

/* ------------------------------------------------------------------ */
/* Dashboard                                                           */

function kv(rows) {
	const dl = el('dl', { class: 'kv' });
	const refs = {};
	for (const [key, label] of rows) {
		refs[key] = el('dd', { text: '\u2014' });
		dl.appendChild(el('dt', { text: label }));
		dl.appendChild(refs[key]);
	}
	return { dl, refs };
}

function card(title, opts, ...kids) {
	const hid = uid('h');
	return el('section', { class: 'card' + (opts && opts.wide ? ' wide' : ''), 'aria-labelledby': hid },
		el('h2', { id: hid, text: title }), kids);
}

function renderDashboard(main, page) {
	main.appendChild(el('h1', { text: 'Dashboard' }));
	const loadErr = el('p', { class: 'form-error', 'aria-live': 'polite' });
	main.appendChild(loadErr);

	/* clock */
	const stateText = el('span', { id: 'clock-state-text', text: '\u2026' });
	const stateWhy = el('span', { class: 'why' });
	const bigState = el('div', { class: 'big-state state-unknown', id: 'clock-state' }, stateText, stateWhy);
	const fig = {};
	const figures = el('div', { class: 'figures' });
	for (const [k, label] of [['offset', 'Offset'], ['jitter', 'Jitter'], ['bound', 'Error bound'], ['freq', 'Frequency']]) {
		fig[k] = el('div', { class: 'value', id: 'fig-' + k, text: '\u2014' });
		figures.appendChild(el('div', { class: 'figure' }, el('div', { class: 'label', text: label }), fig[k]));
	}
	const clockKv = kv([['stratum', 'Stratum'], ['refid', 'Reference'], ['leap', 'Leap second'],
		['tai', 'TAI \u2212 UTC'], ['disp', 'Root dispersion'], ['age', 'Status age']]);

	/* history graph */
	const spanBtns = {};
	const seg = el('div', { class: 'segmented', role: 'group', 'aria-label': 'Time span' });
	for (const [sp, label] of [['hour', 'Last hour'], ['day', 'Last day']]) {
		spanBtns[sp] = el('button', {
			type: 'button', 'aria-pressed': String(S.span === sp), text: label,
			onclick: () => {
				if (S.span === sp) return;
				S.span = sp;
				for (const [k, b] of Object.entries(spanBtns)) b.setAttribute('aria-pressed', String(k === sp));
				loadHistory();
			},
		});
		seg.appendChild(spanBtns[sp]);
	}
	const plotSummary = el('p', { id: 'plot-summary', class: 'muted', 'aria-live': 'off', text: 'Loading history\u2026' });
	const plot = el('canvas', {
		class: 'plot', id: 'plot', role: 'img',
		'aria-label': 'Graph of the clock offset, jitter and error bound over time', 'aria-describedby': 'plot-summary',
	});
	const legend = el('ul', { class: 'legend' },
		el('li', {}, el('span', { class: 'swatch sw-offset' }), 'Offset'),
		el('li', {}, el('span', { class: 'swatch sw-jitter' }), 'Jitter'),
		el('li', {}, el('span', { class: 'swatch sw-bound' }), '\u00b1 Error bound'),
		el('li', {}, el('span', { class: 'swatch sw-band-warn' }), 'Not locked'),
		el('li', {}, el('span', { class: 'swatch sw-band-bad' }), 'Failed'));
	const histHead = uid('h');
	const histCard = el('section', { class: 'card wide', 'aria-labelledby': histHead },
		el('div', { class: 'plot-head' }, el('h2', { id: histHead, text: 'Clock history' }), seg),
		plot, legend, plotSummary);

	/* GNSS */
	const gnssKv = kv([['fix', 'Fix'], ['lat', 'Latitude'], ['lon', 'Longitude'], ['alt', 'Altitude'],
		['sats', 'Satellites'], ['refusal', 'Last refusal']]);
	const sky = el('canvas', { class: 'sky', id: 'sky', role: 'img', 'aria-describedby': 'sky-summary' });
	const skySummary = el('p', { id: 'sky-summary', class: 'muted' });
	const skyLegend = el('p', { class: 'muted', text: 'Filled markers: used in the fix; hollow: visible only. Centre: overhead; rings: 30\u00b0 and 60\u00b0 elevation; north up.' });

	const satBody = el('div', { class: 'table-wrap' });
	const satNote = el('p', { class: 'muted' });

	const ppsKv = kv([['pulses', 'Pulses'], ['missed', 'Missed'], ['unpaired', 'Unpaired']]);
	const alarms = el('div', { id: 'alarms' }, el('p', { class: 'muted', text: '\u2014' }));
	const sysKv = kv([['version', 'Release'], ['head', 'Audit head']]);
	sysKv.refs.head.classList.add('mono');
	const nts = ntsCard();
	const xc = xcheckCard();

	main.appendChild(el('div', { class: 'grid' },
		card('Clock', { wide: false }, bigState, figures, clockKv.dl),
		card('Alarms', null, alarms),
		histCard,
		card('GNSS', null, gnssKv.dl, el('h3', { text: 'Sky plot' }), sky, skySummary, skyLegend),
		card('Satellites', null, satNote, satBody),
		card('PPS', null, ppsKv.dl),
		nts.node,
		xc.node,
		card('System', null, sysKv.dl)));

	let lastHist = null;
	let lastSats = [];

	page.onStatus = (st, err) => {
		if (err) {
			loadErr.textContent = 'Status unavailable: ' + errText(err);
			return;
		}
		loadErr.textContent = '';
		const t = st.time || {};
		const info = stateInfo(t.state);
		bigState.className = 'big-state ' + info.cls;
		setText(stateText, info.text);
		setText(stateWhy, info.why);
		setText(fig.offset, fmtNs(t.offset_ns, true));
		setText(fig.jitter, fmtNs(t.jitter_ns));
		setText(fig.bound, fmtNs(t.error_bound_ns));
		setText(fig.freq, isNum(t.freq_ppb) ? (t.freq_ppb / 1000).toFixed(3) + '\u00a0ppm' : null);
		const r = clockKv.refs;
		setText(r.stratum, t.stratum);
		setText(r.refid, t.refid || null);
		setText(r.leap, fmtLeap(t.leap));
		setText(r.tai, isNum(t.tai_utc) && t.tai_utc !== 0 ? t.tai_utc + '\u00a0s' : 'Unknown');
		setText(r.disp, fmtNs(t.root_dispersion_ns));
		setText(r.age, isNum(t.age_s) ? t.age_s + '\u00a0s ago' : null);

		const g = st.gnss || {};
		const sats = Array.isArray(g.sats) ? g.sats : [];
		const used = sats.filter((s) => s.used).length;
		const gr = gnssKv.refs;
		setText(gr.fix, fmtFix(g.fix) + (g.valid === false ? ' (not valid)' : ''));
		setText(gr.lat, fmtLatLon(g.lat, 'N', 'S'));
		setText(gr.lon, fmtLatLon(g.lon, 'E', 'W'));
		setText(gr.alt, isNum(g.alt) ? g.alt.toFixed(1) + '\u00a0m' : null);
		setText(gr.sats, used + ' used of ' + sats.length + ' visible');
		let ref = g.last_refusal;
		if (ref && typeof ref === 'object') ref = ref.reason || ref.text || null;
		setText(gr.refusal, ref ? String(ref) : 'None');
		lastSats = sats;
		drawSky(sky, sats);
		sky.setAttribute('aria-label', 'Sky plot of ' + sats.length + ' satellites');
		setText(skySummary, sats.length ? (used + ' of ' + sats.length + ' satellites used; the table below lists each one.') : 'No satellites in view.');
		renderSatTable(satBody, satNote, sats);

		const p = g.pps || {};
		setText(ppsKv.refs.pulses, p.pulses);
		setText(ppsKv.refs.missed, p.missed);
		setText(ppsKv.refs.unpaired, p.unpaired);

		nts.update(st.nts || null);
		xc.update(st.xcheck || null);
		renderAlarms(alarms, Array.isArray(st.alarms) ? st.alarms : []);
		setText(sysKv.refs.version, st.version || null);
		setText(sysKv.refs.head, st.audit_head || null);
	};
	if (S.status) page.onStatus(S.status, null);

	async function loadHistory() {
		const span = S.span;
		try {
			const h = await api('GET', '/api/history?span=' + encodeURIComponent(span));
			if (!page.alive || span !== S.span) return;
			lastHist = h;
			drawPlot(plot, h, span);
			setText(plotSummary, historySummary(h, span));
		} catch (e) {
			if (!page.alive) return;
			setText(plotSummary, 'History unavailable: ' + errText(e));
		}
	}
	loadHistory();
	page.timers.push(setInterval(loadHistory, 10000));

	/* redraw on size and colour-scheme changes */
	if (typeof ResizeObserver === 'function') {
		const ro = new ResizeObserver(() => {
			drawPlot(plot, lastHist, S.span);
			drawSky(sky, lastSats);
		});
		ro.observe(plot);
		ro.observe(sky);
		page.observers.push(ro);
	}
	const mq = window.matchMedia('(prefers-color-scheme: dark)');
	const onScheme = () => { drawPlot(plot, lastHist, S.span); drawSky(sky, lastSats); };
	mq.addEventListener('change', onScheme);
	page.observers.push({ disconnect: () => mq.removeEventListener('change', onScheme) });
}

const CONSTELLATIONS = ['GPS', 'GLONASS', 'Galileo', 'BeiDou', 'QZSS', 'SBAS'];

function renderSatTable(wrap, note, sats) {
	const groups = new Map();
	for (const s of sats) {
		const c = s.constellation ? String(s.constellation) : 'Other';
		if (!groups.has(c)) groups.set(c, []);
		groups.get(c).push(s);
	}
	const order = [...groups.keys()].sort((a, b) => {
		const ia = CONSTELLATIONS.indexOf(a), ib = CONSTELLATIONS.indexOf(b);
		return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
	});
	if (!sats.length) {
		setText(note, 'No satellites in view.');
		wrap.replaceChildren();
		return;
	}
	setText(note, '');
	const table = el('table', { id: 'sat-table' },
		el('caption', { text: 'Satellites by constellation (SNR in dB-Hz)' }),
		el('thead', {}, el('tr', {},
			el('th', { scope: 'col', text: 'PRN' }),
			el('th', { scope: 'col', class: 'num', text: 'Elev.' }),
			el('th', { scope: 'col', class: 'num', text: 'Azim.' }),
			el('th', { scope: 'col', text: 'SNR' }),
			el('th', { scope: 'col', text: 'Used' }))));
	for (const c of order) {
		const list = groups.get(c).slice().sort((a, b) => (a.prn || 0) - (b.prn || 0));
		const used = list.filter((s) => s.used).length;
		const tb = el('tbody', {}, el('tr', {},
			el('th', { scope: 'rowgroup', colspan: '5', text: c + ': ' + used + ' used of ' + list.length })));
		for (const s of list) {
			const snr = isNum(s.snr) ? s.snr : null;
			tb.appendChild(el('tr', {},
				el('td', { text: s.prn }),
				el('td', { class: 'num', text: isNum(s.elevation) ? s.elevation + '\u00b0' : '\u2014' }),
				el('td', { class: 'num', text: isNum(s.azimuth) ? s.azimuth + '\u00b0' : '\u2014' }),
				el('td', { class: 'snr' },
					snr === null ? null : el('meter', { class: 'snr', min: '0', max: '55', low: '25', high: '35', optimum: '50', value: String(snr), 'aria-hidden': 'true' }),
					snr === null ? '\u2014' : String(snr)),
				el('td', { text: s.used ? 'yes' : 'no' })));
		}
		table.appendChild(tb);
	}
	wrap.replaceChildren(table);
}

function renderAlarms(box, alarms) {
	if (!alarms.length) {
		box.replaceChildren(el('p', { class: 'muted', text: 'No alarms.' }));
		return;
	}
	const ul = el('ul', { class: 'alarms' });
	for (const a of alarms) {
		const lv = ['error', 'warning', 'info'].includes(a.level) ? a.level : 'info';
		ul.appendChild(el('li', { class: lv },
			el('span', { class: 'level', text: lv.charAt(0).toUpperCase() + lv.slice(1) + ':' }),
			String(a.text || '')));
	}
	box.replaceChildren(ul);
}

function historySummary(h, span) {
	const pts = h && Array.isArray(h.points) ? h.points.filter((p) => Array.isArray(p) && isNum(p[0])) : [];
	const name = span === 'day' ? 'Last day' : 'Last hour';
	if (!pts.length) return name + ': no data yet.';
	let omin = Infinity, omax = -Infinity, jmax = 0, bmax = 0, locked = 0, known = 0;
	for (const p of pts) {
		if (isNum(p[1])) { omin = Math.min(omin, p[1]); omax = Math.max(omax, p[1]); }
		if (isNum(p[2])) jmax = Math.max(jmax, p[2]);
		if (isNum(p[3])) bmax = Math.max(bmax, p[3]);
		const st = stateKey(p[4]);
		if (st !== null) { known += 1; if (st === 'locked') locked += 1; }
	}
	let s = name + ', ' + pts.length + ' points: ';
	s += omin <= omax ? 'offset from ' + fmtNs(omin, true) + ' to ' + fmtNs(omax, true) : 'no offset data';
	s += ', jitter up to ' + fmtNs(jmax) + ', error bound up to ' + fmtNs(bmax);
	if (known) s += '; locked ' + Math.round(100 * locked / known) + '% of the time';
	return (s + '.').replace(/\u00a0/g, ' ');
}

function stateKey(v) {
	if (v === -1 || v === null || v === undefined) return null;
	if (typeof v === 'number') return STATE_NUM[v] || null;
	if (v === 'unsynchronised') return 'unsync';
	return String(v);
}

/* ------------------------------------------------------------------ */
/* Canvas drawing                                                      */

/* size the canvas's bitmap to its CSS box at the device pixel ratio */
function prepCanvas(c) {
	const dpr = window.devicePixelRatio || 1;
	const w = Math.max(1, Math.round(c.clientWidth));
	const h = Math.max(1, Math.round(c.clientHeight));
	if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
		c.width = Math.round(w * dpr);
		c.height = Math.round(h * dpr);
	}
	const ctx = c.getContext('2d');
	ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
	ctx.clearRect(0, 0, w, h);
	return { ctx, w, h };
}

function niceStep(range, n) {
	const raw = range / n;
	const p = Math.pow(10, Math.floor(Math.log10(raw)));
	const m = raw / p;
	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function fmtTick(v) {
	const a = Math.abs(v);
	if (a === 0) return '0';
	if (a >= 100) return v.toFixed(0);
	if (a >= 10) return v.toFixed(a % 1 ? 1 : 0).replace(/\.0$/, '');
	return String(+v.toFixed(2));
}

function drawPlot(c, h, span) {
	if (!c.isConnected || c.clientWidth === 0) return;
	const { ctx, w, h: hh } = prepCanvas(c);
	const col = {
		fg: cssVar('--muted'), grid: cssVar('--plot-grid'), off: cssVar('--plot-offset'),
		jit: cssVar('--plot-jitter'), bnd: cssVar('--plot-bound'), warn: cssVar('--band-warn'),
		bad: cssVar('--band-bad'),
	};
	const font = '12px system-ui, sans-serif';
	ctx.font = font;
	const pts = h && Array.isArray(h.points) ? h.points.filter((p) => Array.isArray(p) && isNum(p[0])) : [];
	const spanS = span === 'day' ? 86400 : 3600;
	const step = h && isNum(h.step_s) && h.step_s > 0 ? h.step_s : (span === 'day' ? 60 : 1);
	const tEnd = pts.length ? pts[pts.length - 1][0] : Math.floor(Date.now() / 1000);
	const tStart = tEnd - spanS;

	let max = 0;
	for (const p of pts) {
		if (isNum(p[1])) max = Math.max(max, Math.abs(p[1]));
		if (isNum(p[2])) max = Math.max(max, p[2]);
		if (isNum(p[3])) max = Math.max(max, p[3]);
	}
	if (max <= 0) max = 1000;
	const unit = axisUnit(max);
	const top = max / unit.div;
	const ystep = niceStep(2 * top, 4);
	const ymax = Math.ceil(top / ystep) * ystep;

	const L = 62, R = 10, T = 10, B = 34;
	const pw = Math.max(10, w - L - R), ph = Math.max(10, hh - T - B);
	const X = (t) => L + (t - tStart) / spanS * pw;
	const Y = (v) => T + ph / 2 - (v / unit.div) / ymax * (ph / 2);

	/* state bands: where the clock was not locked */
	for (const p of pts) {
		const st = stateKey(p[4]);
		if (st === null || st === 'locked' || p[0] < tStart) continue;
		ctx.fillStyle = st === 'failed' ? col.bad : col.warn;
		const x0 = X(p[0]);
		ctx.fillRect(x0, T, Math.max(1, X(p[0] + step) - x0), ph);
	}

	/* grid and axes */
	ctx.strokeStyle = col.grid;
	ctx.lineWidth = 1;
	ctx.fillStyle = col.fg;
	ctx.textAlign = 'right';
	ctx.textBaseline = 'middle';
	for (let v = -ymax; v <= ymax + ystep / 2; v += ystep) {
		const y = Math.round(Y(v * unit.div)) + 0.5;
		ctx.beginPath();
		ctx.moveTo(L, y);
		ctx.lineTo(L + pw, y);
		ctx.stroke();
		ctx.fillText(fmtTick(v) + ' ' + unit.u, L - 6, y);
	}
	const tickS = span === 'day' ? 4 * 3600 : 10 * 60;
	ctx.textAlign = 'center';
	ctx.textBaseline = 'top';
	for (let t = Math.ceil(tStart / tickS) * tickS; t <= tEnd; t += tickS) {
		const x = Math.round(X(t)) + 0.5;
		ctx.beginPath();
		ctx.moveTo(x, T);
		ctx.lineTo(x, T + ph);
		ctx.stroke();
		const d = new Date(t * 1000);
		const lbl = String(d.getUTCHours()).padStart(2, '0') + ':' + String(d.getUTCMinutes()).padStart(2, '0');
		if (x > L + 14 && x < L + pw - 14) ctx.fillText(lbl, x, T + ph + 4);
	}
	ctx.strokeStyle = col.fg;
	ctx.beginPath();
	ctx.moveTo(L + 0.5, T);
	ctx.lineTo(L + 0.5, T + ph + 0.5);
	ctx.lineTo(L + pw, T + ph + 0.5);
	ctx.stroke();
	ctx.textAlign = 'right';
	ctx.fillText('UTC', L + pw, T + ph + 18);

	if (!pts.length) {
		ctx.textAlign = 'center';
		ctx.textBaseline = 'middle';
		ctx.fillText('No data yet', L + pw / 2, T + ph / 2);
		return;
	}

	/* the series; a gap longer than two steps breaks the line */
	const series = (idx, color, sign, dash) => {
		ctx.strokeStyle = color;
		ctx.lineWidth = 1.5;
		ctx.setLineDash(dash || []);
		ctx.beginPath();
		let prev = null;
		for (const p of pts) {
			if (!isNum(p[idx]) || p[0] < tStart) { prev = null; continue; }
			const x = X(p[0]), y = Y(sign * p[idx]);
			if (prev === null || p[0] - prev > 2 * step) ctx.moveTo(x, y);
			else ctx.lineTo(x, y);
			prev = p[0];
		}
		ctx.stroke();
		ctx.setLineDash([]);
	};
	ctx.save();
	ctx.beginPath();
	ctx.rect(L, T, pw, ph);
	ctx.clip();
	series(3, col.bnd, 1, [5, 3]);
	series(3, col.bnd, -1, [5, 3]);
	series(2, col.jit, 1);
	series(1, col.off, 1);
	ctx.restore();
}

function drawSky(c, sats) {
	if (!c.isConnected || c.clientWidth === 0) return;
	const { ctx, w, h } = prepCanvas(c);
	const fg = cssVar('--muted'), grid = cssVar('--plot-grid'), used = cssVar('--plot-offset'),
		unused = cssVar('--fg');
	const cx = w / 2, cy = h / 2, R = Math.min(w, h) / 2 - 20;
	if (R < 10) return;
	ctx.font = '12px system-ui, sans-serif';
	ctx.strokeStyle = grid;
	ctx.lineWidth = 1;
	for (const el_ of [0, 30, 60]) {
		ctx.beginPath();
		ctx.arc(cx, cy, R * (90 - el_) / 90, 0, 2 * Math.PI);
		ctx.stroke();
	}
	for (let az = 0; az < 360; az += 30) {
		const a = az * Math.PI / 180;
		ctx.beginPath();
		ctx.moveTo(cx, cy);
		ctx.lineTo(cx + R * Math.sin(a), cy - R * Math.cos(a));
		ctx.stroke();
	}
	ctx.fillStyle = fg;
	ctx.textAlign = 'center';
	ctx.textBaseline = 'middle';
	ctx.fillText('N', cx, cy - R - 10);
	ctx.fillText('S', cx, cy + R + 10);
	ctx.fillText('E', cx + R + 10, cy);
	ctx.fillText('W', cx - R - 10, cy);
	ctx.textAlign = 'left';
	ctx.fillText('60\u00b0', cx + 3, cy - R / 3 + 8);
	ctx.fillText('30\u00b0', cx + 3, cy - 2 * R / 3 + 8);

	for (const s of sats || []) {
		if (!isNum(s.elevation) || !isNum(s.azimuth) || s.elevation < 0) continue;
		const r = R * (90 - Math.min(90, s.elevation)) / 90;
		const a = s.azimuth * Math.PI / 180;
		const x = cx + r * Math.sin(a), y = cy - r * Math.cos(a);
		ctx.beginPath();
		ctx.arc(x, y, 5, 0, 2 * Math.PI);
		if (s.used) {
			ctx.fillStyle = used;
			ctx.fill();
		} else {
			ctx.strokeStyle = unused;
			ctx.lineWidth = 1.5;
			ctx.stroke();
		}
		ctx.fillStyle = fg;
		ctx.textAlign = 'left';
		ctx.fillText(String(s.prn === undefined ? '' : s.prn), x + 7, y);
	}
}

/* ------------------------------------------------------------------ */
/* Updates                                                             */

function renderUpdates(main, page) {
	main.appendChild(el('h1', { text: 'Updates' }));
	const loadErr = el('p', { class: 'form-error', 'aria-live': 'polite' });
	main.appendChild(loadErr);
	const st = kv([['booted', 'Running'], ['committed', 'Committed'], ['trial', 'Trial boot'],
		['pending', 'Pending'], ['secmin', 'Security minimum'], ['order', 'Boot order'],
		['tries', 'Tries left'], ['phase', 'Phase'], ['progress', 'Install progress'],
		['message', 'Message'], ['last', 'Last result']]);
	st.refs.phase.id = 'update-phase';
	const grid = el('div', { class: 'grid' }, card('Firmware', null, st.dl));
	main.appendChild(grid);

	let installing = false;
	let pollTimer = 0;

	function slotText(slot, ver) {
		if (!slot && !ver) return null;
		return 'slot ' + (slot || '?') + (ver ? ', version ' + ver : '');
	}

	async function refresh() {
		try {
			const u = await api('GET', '/api/update');
			if (!page.alive) return;
			loadErr.textContent = '';
			const r = st.refs;
			setText(r.booted, slotText(u['booted-slot'], u['booted-version']));
			setText(r.committed, slotText(u['committed-slot'], u['committed-version']));
			setText(r.trial, u.trial === 'yes' ? 'Yes: this boot is on trial until the health check passes' : (u.trial || null));
			setText(r.pending, slotText(u['pending-slot'], u['pending-version']) || 'None');
			setText(r.secmin, u['security-min']);
			setText(r.order, u.order);
			setText(r.tries, (u['tries-A'] !== undefined || u['tries-B'] !== undefined)
				? 'A: ' + (u['tries-A'] === null || u['tries-A'] === undefined ? '\u2014' : u['tries-A']) + ', B: ' + (u['tries-B'] === null || u['tries-B'] === undefined ? '\u2014' : u['tries-B'])
				: null);
			setText(r.phase, u.phase || 'idle');
			const b = parseInt(u.bytes, 10), t = parseInt(u.total, 10);
			setText(r.progress, t > 0 ? fmtBytes(b || 0) + ' of ' + fmtBytes(t) + ' (' + Math.floor(100 * (b || 0) / t) + ' %)' : null);
			setText(r.message, u.message);
			setText(r.last, u['last-result']);
			if (installing) setText(phaseLine, 'Installing: ' + (u.phase || '\u2026') + (t > 0 ? ', ' + fmtBytes(b || 0) + ' of ' + fmtBytes(t) : ''));
		} catch (e) {
			if (page.alive) loadErr.textContent = 'Update status unavailable: ' + errText(e);
		}
	}

	function setPolling(fast) {
		for (const t of page.timers) clearInterval(t);
		page.timers.length = 0;
		pollTimer = setInterval(refresh, fast ? 1000 : 5000);
		page.timers.push(pollTimer);
	}

	/* upload (operator) */
	const fileId = 'bundle-file';
	const fileErr = el('p', { class: 'field-error', id: fileId + '-err' });
	const fileInput = el('input', { type: 'file', id: fileId, name: 'bundle', 'aria-describedby': fileId + '-hint ' + fileId + '-err' });
	const upBtn = el('button', { type: 'submit', id: 'upload-submit', text: 'Upload and install' });
	const progress = el('progress', { id: 'upload-progress', max: '100', value: '0', 'aria-labelledby': 'upload-progress-label' });
	const pct = el('span', { id: 'upload-pct', text: '0 %' });
	const progRow = el('div', { class: 'progress-row', hidden: true },
		el('span', { class: 'sr-only', id: 'upload-progress-label', text: 'Upload progress' }), progress, pct);
	const phaseLine = el('p', { class: 'muted', id: 'upload-phase', 'aria-live': 'polite' });
	const upErr = el('p', { class: 'form-error', id: 'upload-error', 'aria-live': 'polite' });
	const upOk = el('p', { class: 'form-ok', id: 'upload-ok', 'aria-live': 'polite' });
	const upForm = el('form', { class: 'stack', id: 'upload-form', novalidate: true },
		el('div', { class: 'field' },
			el('label', { for: fileId, text: 'Update bundle' }),
			el('p', { class: 'hint', id: fileId + '-hint', text: 'A signed Timegate bundle. It is verified before anything is written.' }),
			fileInput, fileErr),
		el('div', { class: 'actions' }, upBtn), progRow, phaseLine, upErr, upOk);

	upForm.addEventListener('submit', (ev) => {
		ev.preventDefault();
		upErr.textContent = '';
		upOk.textContent = '';
		fileErr.textContent = '';
		fileInput.removeAttribute('aria-invalid');
		const f = fileInput.files && fileInput.files[0];
		if (!f) {
			fileErr.textContent = 'Choose a bundle file first.';
			fileInput.setAttribute('aria-invalid', 'true');
			fileInput.focus();
			return;
		}
		if (f.size === 0) {
			fileErr.textContent = 'The file is empty.';
			fileInput.setAttribute('aria-invalid', 'true');
			fileInput.focus();
			return;
		}
		upload(f);
	});

	function setPct(p) {
		const v = Math.max(0, Math.min(100, Math.floor(p)));
		progress.value = v;
		setText(pct, v + ' %');
	}

	function upload(file) {
		const xhr = new XMLHttpRequest();
		installing = true;
		upBtn.disabled = true;
		fileInput.disabled = true;
		progRow.hidden = false;
		setPct(0);
		setText(phaseLine, 'Uploading ' + file.name + ' (' + fmtBytes(file.size) + ')\u2026');
		setPolling(true);
		const finish = () => {
			installing = false;
			upBtn.disabled = false;
			fileInput.disabled = false;
			setPolling(false);
			refresh();
		};
		xhr.upload.addEventListener('progress', (e) => {
			if (e.lengthComputable && e.total > 0) setPct(100 * e.loaded / e.total);
		});
		xhr.upload.addEventListener('load', () => {
			setPct(100);
			setText(phaseLine, 'Uploaded; the device is verifying and installing\u2026');
		});
		xhr.addEventListener('load', () => {
			let d = null;
			try { d = JSON.parse(xhr.responseText); } catch (e) { d = null; }
			if (xhr.status >= 200 && xhr.status < 300) {
				setPct(100);
				setText(phaseLine, '');
				const msg = d && d.message ? String(d.message) : 'Installed.';
				upOk.textContent = msg;
				announce('Update installed: ' + msg);
			} else {
				if (xhr.status === 401 && S.session) { sessionEnded(); return; }
				setText(phaseLine, '');
				upErr.textContent = 'Update refused: ' + (d && d.error ? String(d.error) : 'HTTP ' + xhr.status);
			}
			finish();
		});
		xhr.addEventListener('error', () => {
			setText(phaseLine, '');
			upErr.textContent = 'The upload failed: the connection was lost.';
			finish();
		});
		xhr.addEventListener('abort', () => {
			setText(phaseLine, '');
			upErr.textContent = 'The upload was cancelled.';
			finish();
		});
		xhr.open('POST', '/api/update');
		xhr.setRequestHeader('X-CSRF-Token', S.session ? S.session.csrf : '');
		xhr.setRequestHeader('Content-Type', 'application/octet-stream');
		xhr.send(file);
	}

	if (isOperator()) {
		grid.appendChild(card('Install an update', null, upForm));
	} else {
		grid.appendChild(card('Install an update', null,
			el('p', { class: 'muted', text: 'Installing updates needs the operator role.' })));
	}

	/* rollback and reboot (admin) */
	if (isAdmin()) {
		const res = el('p', { class: 'form-ok', id: 'slot-result', 'aria-live': 'polite' });
		const resErr = el('p', { class: 'form-error', id: 'slot-error', 'aria-live': 'polite' });
		const action = async (path, title, text, ok) => {
			res.textContent = '';
			resErr.textContent = '';
			if (!(await confirmDialog(title, text, ok))) return;
			try {
				const r = await api('POST', path, {});
				res.textContent = r.message ? String(r.message) : 'Done.';
			} catch (e) {
				resErr.textContent = errText(e);
			}
			refresh();
		};
		grid.appendChild(card('Slots', null,
			el('p', { text: 'Roll back makes the other slot the one to boot next; reboot restarts the device (time service interrupted).' }),
			el('div', { class: 'actions' },
				el('button', {
					type: 'button', id: 'rollback', class: 'secondary', text: 'Roll back',
					onclick: () => action('/api/update/rollback', 'Roll back?', 'The other slot becomes the one to boot next.', 'Roll back'),
				}),
				el('button', {
					type: 'button', id: 'reboot', class: 'danger', text: 'Reboot',
					onclick: () => action('/api/reboot', 'Reboot the device?', 'Time service and this console stop until the device is back up.', 'Reboot'),
				})),
			res, resErr));
	}

	refresh();
	setPolling(false);
}

/* ------------------------------------------------------------------ */
/* Audit                                                               */

function pick(o, ...keys) {
	for (const k of keys) if (o && o[k] !== undefined && o[k] !== null) return o[k];
	return null;
}

function renderAudit(main, page) {
	main.appendChild(el('h1', { text: 'Audit' }));
	const chain = el('p', { id: 'audit-chain', 'aria-live': 'polite', text: 'Loading\u2026' });
	const head = el('p', {}, 'Head: ', el('code', { id: 'audit-head', text: '\u2014' }));
	const err = el('p', { class: 'form-error', 'aria-live': 'polite' });
	const wrap = el('div', { class: 'table-wrap' });
	main.appendChild(el('div', { class: 'grid' },
		card('Chain', { wide: true }, chain, head,
			el('p', { class: 'muted', text: 'Keep the head (or an exported copy): a later log must extend it.' }),
			el('div', { class: 'actions' },
				el('a', { href: '/api/audit/export', download: 'audit.log', id: 'audit-export', text: 'Export audit.log' }),
				el('button', { type: 'button', class: 'secondary', text: 'Refresh', onclick: () => load() }))),
		card('Records', { wide: true }, err, wrap)));

	async function load() {
		try {
			const a = await api('GET', '/api/audit?limit=200');
			if (!page.alive) return;
			err.textContent = '';
			chain.className = a.intact ? 'form-ok' : 'form-error';
			setText(chain, a.intact ? 'Chain intact: every record extends the one before it.' : 'Chain BROKEN: the log was edited or damaged.');
			setText(byId('audit-head'), a.head || null);
			const recs = Array.isArray(a.records) ? a.records.slice() : [];
			recs.sort((x, y) => (pick(y, 'seq') || 0) - (pick(x, 'seq') || 0));
			const table = el('table', { class: 'audit', id: 'audit-table' },
				el('caption', { text: recs.length + ' records, newest first' }),
				el('thead', {}, el('tr', {},
					['Time (UTC)', 'Clock', 'User', 'Address', 'Action', 'Result', 'Detail']
						.map((h) => el('th', { scope: 'col', text: h })))));
			const tb = el('tbody');
			for (const r of recs) {
				const clock = pick(r, 'clock', 'clock_state', 'state');
				tb.appendChild(el('tr', {},
					el('td', { text: fmtTimeUTC(pick(r, 'time', 'ts')) }),
					el('td', { text: clock === null ? '\u2014' : stateInfo(clock).text }),
					el('td', { text: pick(r, 'user') || '\u2014' }),
					el('td', { text: pick(r, 'addr', 'address') || '\u2014' }),
					el('td', { text: pick(r, 'action') || '\u2014' }),
					el('td', { text: pick(r, 'result') || '\u2014' }),
					el('td', { class: 'detail', text: pick(r, 'detail') || '' })));
			}
			table.appendChild(tb);
			wrap.replaceChildren(table);
		} catch (e) {
			if (page.alive) err.textContent = 'Audit log unavailable: ' + errText(e);
		}
	}
	load();
}

/* ------------------------------------------------------------------ */
/* Users                                                               */

function renderUsers(main, page) {
	main.appendChild(el('h1', { text: 'Users' }));
	const listErr = el('p', { class: 'form-error', 'aria-live': 'polite' });
	const listOk = el('p', { class: 'form-ok', 'aria-live': 'polite' });
	const wrap = el('div', { class: 'table-wrap' });

	const f = makeForm({
		id: 'user-form',
		submit: 'Add user',
		fields: [
			{ name: 'user', label: 'Name', hint: 'Lower-case letters, digits, _ and -; up to 31 characters', autocomplete: 'off' },
			{ name: 'role', label: 'Role', options: [
				{ value: 'viewer', label: 'Viewer' },
				{ value: 'operator', label: 'Operator' },
				{ value: 'admin', label: 'Admin' },
			], value: 'viewer', hint: 'Viewers see the dashboard and update state; operators also install updates; admins also manage users, the audit log, rollback and reboot.' },
			{ name: 'password', label: 'Password', type: 'password', hint: 'At least 12 characters, not containing the name', autocomplete: 'new-password' },
		],
		errorField: fieldMapper([[/password/, 'password'], [/role/, 'role'], [/user|name/, 'user']]),
		async onSubmit(v, form) {
			const name = v.user.trim();
			if (!name) return form.error('Enter a name.', 'user');
			await api('POST', '/api/users', { user: name, password: v.password, role: v.role });
			form.input('user').value = '';
			form.input('password').value = '';
			form.ok('User ' + name + ' added.');
			await load();
		},
	});

	main.appendChild(el('div', { class: 'grid' },
		card('Accounts', null, listErr, listOk, wrap),
		card('Add a user', null, f.form)));

	async function del(name) {
		listErr.textContent = '';
		listOk.textContent = '';
		if (!(await confirmDialog('Delete user ' + name + '?', 'Their sessions end at once.', 'Delete'))) return;
		try {
			await api('DELETE', '/api/users/' + encodeURIComponent(name));
			listOk.textContent = 'User ' + name + ' deleted.';
		} catch (e) {
			listErr.textContent = errText(e);
		}
		load();
	}

	async function load() {
		try {
			const d = await api('GET', '/api/users');
			if (!page.alive) return;
			const users = Array.isArray(d) ? d : (Array.isArray(d.users) ? d.users : []);
			const table = el('table', { id: 'users-table' },
				el('caption', { text: users.length + ' users' }),
				el('thead', {}, el('tr', {},
					el('th', { scope: 'col', text: 'Name' }),
					el('th', { scope: 'col', text: 'Role' }),
					el('th', { scope: 'col', text: 'Two-factor' }),
					el('th', { scope: 'col', text: 'Actions' }))));
			const tb = el('tbody');
			for (const u of users) {
				const name = String(pick(u, 'user', 'name') || '');
				const self = S.session && name === S.session.user;
				tb.appendChild(el('tr', {},
					el('td', { text: name + (self ? ' (you)' : '') }),
					el('td', { text: roleName(u.role) }),
					el('td', { text: u.totp ? 'on' : 'off' }),
					el('td', {}, self ? el('span', { class: 'muted', text: '\u2014' }) : el('button', {
						type: 'button', class: 'secondary', text: 'Delete',
						'aria-label': 'Delete user ' + name, onclick: () => del(name),
					}))));
			}
			table.appendChild(tb);
			wrap.replaceChildren(table);
		} catch (e) {
			if (page.alive) listErr.textContent = 'Users unavailable: ' + errText(e);
		}
	}
	load();
}

/* ------------------------------------------------------------------ */
/* Account                                                             */

function groupSecret(s) {
	return String(s).replace(/\s+/g, '').replace(/(.{4})/g, '$1 ').trim();
}

function renderAccount(main, page) {
	main.appendChild(el('h1', { text: 'Account' }));
	main.appendChild(el('p', {}, 'Logged in as ', el('strong', { text: S.session.user }), ', role ' + roleName(S.session.role) + '.'));

	const pw = makeForm({
		id: 'password-form',
		submit: 'Change password',
		fields: [
			{ name: 'old', label: 'Current password', type: 'password', autocomplete: 'current-password' },
			{ name: 'new', label: 'New password', type: 'password', hint: 'At least 12 characters, not containing your name', autocomplete: 'new-password' },
			{ name: 'new2', label: 'New password again', type: 'password', autocomplete: 'new-password' },
		],
		errorField: fieldMapper([[/current|old|wrong/, 'old'], [/password/, 'new']]),
		async onSubmit(v, form) {
			if (!v.old) return form.error('Enter your current password.', 'old');
			if (v.new !== v.new2) return form.error('The two new passwords differ.', 'new2');
			await api('POST', '/api/password', { old: v.old, new: v.new });
			for (const n of ['old', 'new', 'new2']) form.input(n).value = '';
			form.ok('Password changed. Your other sessions were ended.');
		},
	});

	const totpBox = el('div', { id: 'totp-box' });
	main.appendChild(el('div', { class: 'grid' },
		card('Password', null, pw.form),
		card('Two-factor authentication', null, totpBox)));

	async function refreshSession() {
		try {
			const s = await api('GET', '/api/session');
			S.session = s;
		} catch (e) {
			/* api() handled an expired session */
		}
	}

	function showTotp() {
		if (!page.alive) return;
		totpBox.replaceChildren();
		if (S.session.totp) {
			totpBox.appendChild(el('p', { text: 'Two-factor authentication is on: logging in asks for a code from your authenticator app.' }));
			const off = makeForm({
				id: 'totp-disable-form',
				submit: 'Turn off two-factor',
				submitClass: 'danger',
				fields: [{ name: 'password', label: 'Your password', type: 'password', autocomplete: 'current-password' }],
				errorField: () => 'password',
				async onSubmit(v) {
					await api('POST', '/api/totp/disable', { password: v.password });
					await refreshSession();
					announce('Two-factor authentication turned off.');
					showTotp();
				},
			});
			totpBox.appendChild(off.form);
			return;
		}
		totpBox.appendChild(el('p', { text: 'Two-factor authentication is off. Turn it on to require a code from an authenticator app (TOTP) at every login.' }));
		const beginErr = el('p', { class: 'form-error', 'aria-live': 'polite' });
		const begin = el('button', {
			type: 'button', id: 'totp-begin', text: 'Set up two-factor',
			onclick: async () => {
				beginErr.textContent = '';
				begin.disabled = true;
				try {
					const r = await api('POST', '/api/totp/begin', {});
					showEnrol(r);
				} catch (e) {
					beginErr.textContent = errText(e);
					begin.disabled = false;
				}
			},
		});
		totpBox.appendChild(el('div', { class: 'actions' }, begin));
		totpBox.appendChild(beginErr);
	}

	function showEnrol(r) {
		if (!page.alive) return;
		totpBox.replaceChildren(
			el('p', { text: 'Add this key to your authenticator app (as a time-based key, 6 digits, 30 s), then enter the code it shows.' }),
			el('h3', { text: 'Secret key' }),
			el('p', { class: 'secret', id: 'totp-secret', text: groupSecret(r.secret || '') }),
			el('h3', { text: 'Key URI' }),
			el('p', {}, el('code', { id: 'totp-uri', text: r.uri || '' })));
		const conf = makeForm({
			id: 'totp-confirm-form',
			submit: 'Turn on two-factor',
			fields: [{ name: 'code', label: 'Code from the app', autocomplete: 'one-time-code', attrs: { inputmode: 'numeric', maxlength: '6' } }],
			errorField: () => 'code',
			async onSubmit(v, form) {
				const code = v.code.replace(/\s+/g, '');
				if (!/^[0-9]{6}$/.test(code)) return form.error('The code has six digits.', 'code');
				await api('POST', '/api/totp/confirm', { code });
				await refreshSession();
				announce('Two-factor authentication is on.');
				showTotp();
			},
			extraButtons: el('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => showTotp() }),
		});
		totpBox.appendChild(conf.form);
		conf.input('code').focus();
	}

	showTotp();
}

/* ------------------------------------------------------------------ */
/* Editable lists (the API takes them as text, one item per line)     */

/*
 * spec: {id, item (a noun for labels: "server"), cols: [{name, label,
 * options, placeholder, attrs}], rows: [[value, ...]], line(values) -> the
 * line ('' drops the row), addLabel, emptyText}.  Returns a makeForm
 * widget.  Every input has its own <label> ("Address of server 2"), the
 * Remove buttons say which row they remove.
 */
function listWidget(spec) {
	const rowsBox = el('ol', { class: 'list-rows' });
	const empty = el('p', { class: 'muted list-empty', text: spec.emptyText || 'None.' });
	const add = el('button', { type: 'button', class: 'secondary', id: spec.id + '-add', text: spec.addLabel });
	const node = el('div', { class: 'list', id: spec.id }, rowsBox, empty, el('div', { class: 'actions' }, add));
	const rows = [];
	let disabled = false;
	let marked = null;

	function renumber() {
		rows.forEach((r, i) => {
			for (const c of r.cells) c.which.textContent = ' of ' + spec.item + ' ' + (i + 1);
			r.remove.setAttribute('aria-label', 'Remove ' + spec.item + ' ' + (i + 1));
		});
		empty.hidden = rows.length > 0;
	}

	function addRow(values, focus) {
		const r = { cells: [] };
		const li = el('li', { class: 'list-row' });
		spec.cols.forEach((col, ci) => {
			const iid = uid(spec.id + '-' + col.name);
			let input;
			if (col.options) {
				input = el('select', { id: iid, name: col.name });
				for (const o of col.options) input.appendChild(el('option', { value: o, text: o }));
				if (values && values[ci]) {
					if (!col.options.includes(values[ci])) input.appendChild(el('option', { value: values[ci], text: values[ci] }));
					input.value = values[ci];
				}
			} else {
				input = el('input', Object.assign({
					id: iid, name: col.name, type: 'text', autocomplete: 'off', spellcheck: 'false',
					autocapitalize: 'none', placeholder: col.placeholder || null,
				}, col.attrs || {}));
				input.value = values && values[ci] ? values[ci] : '';
			}
			input.disabled = disabled;
			const which = el('span', { class: 'sr-only' });
			li.appendChild(el('div', { class: 'list-cell list-' + col.name },
				el('label', { for: iid }, col.label, which), input));
			r.cells.push({ col, input, which });
		});
		r.remove = el('button', {
			type: 'button', class: 'secondary', text: 'Remove',
			onclick: () => {
				const i = rows.indexOf(r);
				rows.splice(i, 1);
				li.remove();
				renumber();
				/* focus stays in the list: the next row's Remove, or Add */
				const next = rows[i] || rows[i - 1];
				(next ? next.remove : add).focus();
			},
		});
		r.remove.disabled = disabled;
		li.appendChild(el('div', { class: 'list-cell list-remove' }, r.remove));
		rows.push(r);
		rowsBox.appendChild(li);
		renumber();
		if (focus) r.cells[0].input.focus();
	}

	add.addEventListener('click', () => addRow(null, true));
	for (const v of spec.rows || []) addRow(v, false);
	renumber();

	return {
		node,
		rowCount: () => rows.length,
		focusEl: () => marked || (rows[0] ? rows[0].cells[0].input : add),
		get() {
			return rows.map((r) => spec.line(r.cells.map((c) => c.input.value.trim())))
				.filter((l) => l !== '').join('\n');
		},
		invalid(on, msg) {
			for (const r of rows) for (const c of r.cells) c.input.removeAttribute('aria-invalid');
			marked = null;
			if (!on || !rows.length) return;
			/* "servers:2: ..." or "line 2": mark that row, else the first */
			const m = /(?:line |:)(\d+)\b/.exec(String(msg || ''));
			const n = m ? parseInt(m[1], 10) : 1;
			const r = rows[n >= 1 && n <= rows.length ? n - 1 : 0];
			marked = r.cells[0].input;
			for (const c of r.cells) c.input.setAttribute('aria-invalid', 'true');
		},
		disable(b) {
			disabled = !!b;
			add.hidden = disabled;
			for (const r of rows) {
				for (const c of r.cells) c.input.disabled = disabled;
				r.remove.hidden = disabled;
			}
		},
	};
}

/* lines of text -> arrays of their whitespace-separated words */
function textRows(text) {
	return String(text || '').split('\n').map((l) => l.trim()).filter((l) => l && l[0] !== '#')
		.map((l) => l.split(/\s+/));
}

/*
 * The offered-services grid: one checkbox per service and role.  A
 * service is always offered on its own role (shown checked, disabled);
 * the others become "serve NAME ROLE" lines.  Lines naming a service or
 * role this page does not know are kept as they were, not dropped.
 */
function serveWidget(id, services, roles, serveText) {
	const want = new Set(textRows(serveText).filter((w) => w.length === 2).map((w) => w[0] + ' ' + w[1]));
	const known = new Set();
	const boxes = [];
	const table = el('table', { class: 'serve', id },
		el('caption', { class: 'sr-only', text: 'Services offered per network role' }),
		el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Service' }),
			roles.map((r) => el('th', { scope: 'col', text: r })))));
	const tb = el('tbody');
	for (const s of services) {
		const tr = el('tr', {}, el('th', { scope: 'row', text: s.name + ' (' + s.proto + ' ' + s.port + ')' }));
		for (const r of roles) {
			const iid = uid(id + '-' + s.name + '-' + r);
			const home = r === s.role;
			const key = s.name + ' ' + r;
			known.add(key);
			const cb = el('input', { type: 'checkbox', id: iid, name: key });
			cb.checked = home || want.has(key);
			cb.disabled = home;
			if (!home) boxes.push(cb);
			tr.appendChild(el('td', {}, cb,
				el('label', { for: iid, class: 'sr-only', text: s.name + ' on ' + r + (home ? ' (its own role, always)' : '') })));
		}
		tb.appendChild(tr);
	}
	table.appendChild(tb);
	const node = el('div', { class: 'table-wrap' }, table);
	const extra = [...want].filter((k) => !known.has(k));
	if (extra.length) node.appendChild(el('p', { class: 'muted', text: 'Also kept: ' + extra.join(', ') }));
	return {
		node,
		focusEl: () => boxes[0] || null,
		get: () => boxes.filter((b) => b.checked).map((b) => b.name).concat(extra).join('\n'),
		invalid(on) { for (const b of boxes) { if (on) b.setAttribute('aria-invalid', 'true'); else b.removeAttribute('aria-invalid'); } },
		disable(b) { for (const x of boxes) x.disabled = !!b; },
	};
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

const CFG_SECTIONS = [
	['time', 'Time source'], ['upstreams', 'Upstream servers'], ['network', 'Network'],
	['tls', 'NTS certificate'], ['console-tls', 'Console certificate'], ['backup', 'Backup & restore'],
];

/* a whole number from a text field, or null after telling the form */
function intOf(form, v, name) {
	const s = String(v).trim();
	if (!/^[+-]?[0-9]{1,12}$/.test(s)) {
		form.error('Expected a whole number, got \u201c' + s + '\u201d.', name);
		return null;
	}
	return parseInt(s, 10);
}

function fmtDays(n) {
	if (!isNum(n)) return '';
	if (n < 0) return 'expired ' + (-n) + (n === -1 ? ' day' : ' days') + ' ago';
	return n + (n === 1 ? ' day' : ' days') + ' left';
}

/* expiry as "2027-01-01 (123 days left)", with a class saying how urgent */
function expiryCell(dd, notAfter, daysLeft) {
	dd.classList.remove('expiry-warn', 'expiry-bad');
	if (!isNum(notAfter) || notAfter <= 0) {
		setText(dd, 'None');
		return;
	}
	setText(dd, new Date(notAfter * 1000).toISOString().slice(0, 10) + (isNum(daysLeft) ? ' (' + fmtDays(daysLeft) + ')' : ''));
	if (isNum(daysLeft) && daysLeft < 0) dd.classList.add('expiry-bad');
	else if (isNum(daysLeft) && daysLeft < 30) dd.classList.add('expiry-warn');
}

function readFileText(file) {
	return new Promise((resolve, reject) => {
		const r = new FileReader();
		r.onload = () => resolve(String(r.result));
		r.onerror = () => reject(new Error('cannot read ' + file.name + ': ' + (r.error ? r.error.message : 'read error')));
		r.readAsText(file);
	});
}

/* bodies above this are refused by the daemon (CD_BODY_MAX) */
const BODY_MAX = 16384;

function renderConfig(main, page) {
	const m = /^#\/config\/([a-z-]+)/.exec(location.hash);
	const sec = m && CFG_SECTIONS.some((s) => s[0] === m[1]) ? m[1] : 'time';
	const admin = isAdmin();
	main.appendChild(el('h1', { text: 'Configuration' }));
	main.appendChild(el('nav', { class: 'subnav', 'aria-label': 'Configuration sections' },
		el('ul', {}, CFG_SECTIONS.map(([k, label]) => el('li', {},
			el('a', { href: '#/config/' + k, id: 'cfg-nav-' + k, 'aria-current': k === sec ? 'page' : null, text: label }))))));
	if (!admin) {
		main.appendChild(el('p', { class: 'note', id: 'cfg-readonly',
			text: 'Shown read-only: changing the configuration needs the admin role.' }));
	}
	const loadErr = el('p', { class: 'form-error', id: 'cfg-load-error', 'aria-live': 'polite' });
	const body = el('div', { class: 'grid', id: 'cfg-body' }, el('p', { class: 'muted', text: 'Loading\u2026' }));
	main.appendChild(loadErr);
	main.appendChild(body);

	/* re-read and redraw the section; flash goes into its status area */
	async function reload(flash) {
		let c;
		try {
			c = await api('GET', '/api/config');
		} catch (e) {
			if (page.alive) loadErr.textContent = 'Configuration unavailable: ' + errText(e);
			return;
		}
		if (!page.alive) return;
		loadErr.textContent = '';
		body.replaceChildren();
		const first = ({ time: cfgTime, upstreams: cfgUpstreams, network: cfgNetwork, tls: cfgTls, 'console-tls': cfgConsoleTls, backup: cfgBackup })[sec](body, c);
		if (flash && first) {
			first.ok(flash);
			announce(flash);
		}
	}

	/* "Undo last change": the file's previous version back */
	function undoButton(what, label, formOf) {
		if (!admin) return null;
		return el('button', {
			type: 'button', class: 'secondary', id: 'cfg-' + what + '-undo', text: 'Undo last change',
			onclick: async () => {
				const form = formOf();
				form.clear();
				if (!(await confirmDialog('Undo the last change?', 'The previous ' + label + ' is put back and applied.', 'Undo'))) return;
				try {
					const r = await api('POST', '/api/config/revert', { what });
					await reload(sentence(r.message || 'previous version restored'));
				} catch (e) {
					form.error(errText(e), null);
				}
			},
		});
	}

	function cfgTime(box, c) {
		const t = c.time || {};
		const opt = (xs) => xs.map((x) => ({ value: String(x), label: String(x) }));
		const f = makeForm({
			id: 'cfg-time',
			submit: 'Save',
			readOnly: !admin,
			extraButtons: undoButton('time', 'time configuration', () => f),
			fields: [
				{ name: 'baud', label: 'Baud rate', options: opt([4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600]), value: String(t.baud) },
				{ name: 'parity', label: 'Parity', options: opt(['none', 'even', 'odd']), value: t.parity },
				{ name: 'pps_edge', label: 'PPS edge', options: [{ value: 'assert', label: 'assert (rising)' }, { value: 'clear', label: 'clear (falling)' }], value: t.pps_edge },
				{ name: 'pps_delay_ns', label: 'PPS delay (ns)', hint: 'Cable and receiver delay to subtract, \u2212100000000 to 100000000', value: t.pps_delay_ns, attrs: { inputmode: 'numeric' } },
				{ name: 'pps_only', label: 'PPS only (no NMEA time: another source numbers the seconds)', type: 'checkbox', value: t.pps_only },
				{ name: 'nmea_window_min_ms', label: 'NMEA window from (ms after the pulse)', hint: '\u2212500 to 999', value: t.nmea_window_min_ms, attrs: { inputmode: 'numeric' } },
				{ name: 'nmea_window_max_ms', label: 'NMEA window to (ms after the pulse)', hint: 'More than \u201cfrom\u201d, less than 1000 ms after it', value: t.nmea_window_max_ms, attrs: { inputmode: 'numeric' } },
				{ name: 'site', label: 'Antenna position', hint: 'Latitude and longitude in degrees, altitude in metres, e.g. \u201c47.3769 8.5417 408\u201d; empty: not fixed', value: t.site || '' },
				{ name: 'survey', label: 'Survey the antenna position', type: 'checkbox', value: t.survey },
				{ name: 'holdover_drift_ppb', label: 'Holdover drift (ppb)', hint: 'Assumed worst-case frequency drift in holdover, 0 to 100000', value: t.holdover_drift_ppb, attrs: { inputmode: 'numeric' } },
				{ name: 'lock_jitter_us', label: 'Lock jitter (\u00b5s)', hint: 'Jitter below which the clock counts as locked, 1 to 100000', value: t.lock_jitter_us, attrs: { inputmode: 'numeric' } },
			],
			async onSubmit(v, form) {
				const body_ = { baud: parseInt(v.baud, 10), parity: v.parity, pps_edge: v.pps_edge, pps_only: v.pps_only, site: v.site.trim().replace(/\s+/g, ' '), survey: v.survey };
				for (const k of ['pps_delay_ns', 'nmea_window_min_ms', 'nmea_window_max_ms', 'holdover_drift_ppb', 'lock_jitter_us']) {
					const n = intOf(form, v[k], k);
					if (n === null) return;
					body_[k] = n;
				}
				const r = await api('POST', '/api/config/time', body_);
				const msg = sentence(r.message || 'saved');
				form.ok(msg);
				announce(msg);
			},
		});
		const wiring = kv([['device', 'Receiver device'], ['pps', 'PPS device']]);
		setText(wiring.refs.device, t.device || null);
		setText(wiring.refs.pps, t.pps || null);
		box.appendChild(card('Time source', { wide: true },
			el('p', { class: 'muted', text: 'Saving restarts the time service: the clock keeps running, time is served again once it has re-locked.' }),
			wiring.dl,
			el('p', { class: 'muted', text: 'The devices are the board\u2019s wiring and cannot be changed here.' }),
			f.form));
		return f;
	}

	function cfgUpstreams(box, c) {
		const u = c.upstreams || {};
		const list = listWidget({
			id: 'cfg-servers', item: 'server', addLabel: 'Add a server', emptyText: 'No upstream servers: no cross-check.',
			cols: [
				{ name: 'addr', label: 'Address', placeholder: '192.0.2.10' },
				{ name: 'port', label: 'Port', placeholder: '4460', attrs: { inputmode: 'numeric' } },
				{ name: 'name', label: 'TLS name', placeholder: 'same as the address' },
			],
			rows: textRows(u.servers),
			line: ([a, p, n]) => {
				if (!a && !p && !n) return '';
				return [a || '?', p || (n ? '4460' : ''), n].filter((x) => x).join(' ');
			},
		});
		const f = makeForm({
			id: 'cfg-upstreams',
			submit: 'Save',
			readOnly: !admin,
			extraButtons: undoButton('upstreams', 'upstream servers', () => f),
			fields: [
				{ name: 'servers', label: 'NTS servers', hint: 'Address literals (IPv4 or IPv6), up to 4. Port: NTS-KE port, 4460 if empty. TLS name: the name in the server\u2019s certificate, the address if empty.', widget: list },
				{ name: 'cross_check_max_ms', label: 'Largest accepted difference (ms)', hint: '1 to 10000', value: u.cross_check_max_ms, attrs: { inputmode: 'numeric' } },
				{ name: 'cross_check_interval_s', label: 'Check every (s)', hint: '16 to 86400', value: u.cross_check_interval_s, attrs: { inputmode: 'numeric' } },
			],
			async onSubmit(v, form) {
				const b = { servers: v.servers };
				for (const k of ['cross_check_max_ms', 'cross_check_interval_s']) {
					const n = intOf(form, v[k], k);
					if (n === null) return;
					b[k] = n;
				}
				if (list.rowCount() > 4) return form.error('At most 4 servers.', 'servers');
				const r = await api('POST', '/api/config/upstreams', b);
				const msg = sentence(r.message || 'saved');
				form.ok(msg);
				announce(msg);
			},
		});
		box.appendChild(card('Upstream servers', { wide: true },
			el('p', { class: 'muted', text: 'Other NTS servers the clock is cross-checked against. Saving also updates the firewall (only these addresses may be reached) and restarts the time service.' }),
			f.form));
		return f;
	}

	function cfgNetwork(box, c) {
		const n = c.network || {};
		const ifs = Array.isArray(n.interfaces) ? n.interfaces : [];
		const names = ifs.map((i) => String(i.name));
		const roles = [...new Set(ifs.map((i) => String(i.role)).concat((n.services || []).map((s) => String(s.role))))].filter((r) => r && r !== 'undefined');
		const ifList = listWidget({
			id: 'cfg-ifaces', item: 'address', addLabel: 'Add an address', emptyText: 'No addresses set: the image\u2019s defaults apply.',
			cols: [
				{ name: 'ifname', label: 'Interface', options: names },
				{ name: 'address', label: 'Address/prefix', placeholder: '192.0.2.5/24' },
				{ name: 'gateway', label: 'Gateway', placeholder: 'none' },
			],
			rows: ifs.filter((i) => i.address).map((i) => [i.name, i.address, i.gateway && i.gateway !== '-' ? i.gateway : '']),
			line: ([i, a, g]) => (a || g ? [i, a || '?', g || '-'].join(' ') : ''),
		});
		const dnsList = listWidget({
			id: 'cfg-dns', item: 'resolver', addLabel: 'Add a resolver', emptyText: 'No resolvers: DNS is not allowed out.',
			cols: [{ name: 'addr', label: 'Address', placeholder: '198.51.100.53' }],
			rows: textRows(n.dns).map((w) => [w[0]]),
			line: ([a]) => a,
		});
		const serve = serveWidget('cfg-serve', Array.isArray(n.services) ? n.services : [], roles, n.serve);
		const f = makeForm({
			id: 'cfg-network',
			submit: 'Save',
			readOnly: !admin,
			extraButtons: undoButton('network', 'network configuration', () => f),
			wideForm: true,
			fields: [
				{ name: 'interfaces', label: 'Interface addresses', hint: 'Take effect at the next reboot. Gateway empty: none.', widget: ifList },
				{ name: 'dns', label: 'DNS resolvers', hint: 'Apply at once (firewall).', widget: dnsList },
				{ name: 'serve', label: 'Offered services', hint: 'Which network roles may reach each service. Applies at once (firewall).', widget: serve },
			],
			async onSubmit(v) {
				const r = await api('POST', '/api/config/network', { interfaces: v.interfaces, dns: v.dns, serve: v.serve });
				await reload(sentence(r.message || 'saved'));
			},
		});
		const active = el('table', { id: 'cfg-ifaces-active' },
			el('caption', { text: 'Interfaces now' }),
			el('thead', {}, el('tr', {}, ['Interface', 'Role', 'Active address', 'Configured'].map((h) => el('th', { scope: 'col', text: h })))),
			el('tbody', {}, ifs.map((i) => el('tr', {},
				el('td', { text: i.name }), el('td', { text: i.role || '\u2014' }),
				el('td', { text: i.active_address || '\u2014' }),
				el('td', { text: i.address ? i.address + (i.gateway && i.gateway !== '-' ? ' via ' + i.gateway : '') : 'default' })))));
		box.appendChild(card('Network', { wide: true },
			n.pending_reboot
				? el('p', { class: 'note warn', id: 'cfg-pending-reboot', text: 'A saved address change waits for the next reboot.' })
				: el('p', { class: 'muted', id: 'cfg-pending-reboot', text: 'No address change waiting for a reboot.' }),
			el('p', { class: 'muted', text: 'Addresses take effect at the next reboot (changing them under a running console could lock you out); resolvers and offered services apply at once.' }),
			el('div', { class: 'table-wrap' }, active),
			f.form));
		return f;
	}

	function cfgTls(box, c) {
		return tlsSection(box, c.tls || {}, { target: 'nts', id: 'cfg-tls', csrId: 'cfg-csr', undo: 'tls',
			file: 'timegate-nts.csr',
			about: 'The NTS server\u2019s TLS certificate (NTS-KE). Installing one restarts the NTS service.' });
	}

	/* the console's own HTTPS certificate: installing one restarts the console */
	function cfgConsoleTls(box, c) {
		return tlsSection(box, c.console_tls || {}, { target: 'console', id: 'cfg-ctls', csrId: 'cfg-ccsr', undo: 'console-tls',
			file: 'timegate-console.csr',
			about: 'This console\u2019s HTTPS certificate (made self-signed on first start). Installing one restarts the console: everyone logs in again.' });
	}

	function tlsSection(box, t, o) {
		const facts = kv([['subject', 'Subject'], ['issuer', 'Issuer'], ['from', 'Valid from'], ['expiry', 'Expires'],
			['self', 'Self-signed'], ['csr', 'Pending key']]);
		const r = facts.refs;
		r.expiry.id = o.id + '-expiry';
		setText(r.subject, t.subject || null);
		setText(r.issuer, t.issuer || null);
		setText(r.from, isNum(t.not_before) && t.not_before > 0 ? fmtTimeUTC(t.not_before) : null);
		expiryCell(r.expiry, t.not_after, t.days_left);
		setText(r.self, t.self_signed === undefined ? null : (t.self_signed ? 'yes' : 'no'));
		setText(r.csr, t.csr_pending ? 'yes: waiting for the certificate of the last CSR' : 'none');

		const up = makeForm({
			id: o.id,
			submit: 'Install certificate',
			readOnly: !admin,
			extraButtons: undoButton(o.undo, 'certificate and key', () => up),
			fields: [
				{ name: 'cert', label: 'Certificate chain (PEM)', type: 'file', hint: 'The server certificate first, then its intermediates.', attrs: { accept: '.pem,.crt,.cer,application/x-pem-file' } },
				{ name: 'key', label: 'Private key (PEM, optional)', type: 'file', hint: 'An EC key. Leave empty to use the key generated with the last CSR.', attrs: { accept: '.pem,.key,application/x-pem-file' } },
			],
			async onSubmit(v, form) {
				const cf = form.input('cert').files[0];
				const kf = form.input('key').files[0];
				if (!cf) return form.error('Choose the certificate file.', 'cert');
				const cert = await readFileText(cf);
				if (!/-----BEGIN CERTIFICATE-----/.test(cert)) return form.error('Expected a PEM certificate (-----BEGIN CERTIFICATE-----) in ' + cf.name + '.', 'cert');
				const b = { cert, target: o.target };
				if (kf) {
					const key = await readFileText(kf);
					if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) return form.error('Expected a PEM private key in ' + kf.name + '.', 'key');
					b.key = key;
				}
				const n = JSON.stringify(b).length;
				if (n > BODY_MAX) return form.error('The files are too large: ' + n + ' bytes, at most ' + BODY_MAX + '.', 'cert');
				const res = await api('POST', '/api/config/tls', b);
				if (o.target === 'console') {
					/* the console restarts with it: sessions end, the page comes back to the login */
					form.ok(sentence(res.message || 'installed; the console restarts'));
					page.timers.push(setTimeout(() => location.reload(), 6000));
					return;
				}
				await reload(sentence(res.message || 'certificate installed'));
			},
		});

		const csrOut = el('div', { id: o.csrId + '-out', hidden: true });
		const csr = makeForm({
			id: o.csrId,
			submit: 'Generate key and CSR',
			fields: [
				{ name: 'cn', label: 'Common name', hint: 'The server\u2019s name, e.g. time.example.net' },
				{ name: 'dns', label: 'DNS names', type: 'textarea', hint: 'One per line; the names clients use to reach this server.' },
			],
			async onSubmit(v, form) {
				if (!v.cn.trim()) return form.error('Enter the common name.', 'cn');
				const res = await api('POST', '/api/config/tls/csr', { target: o.target, cn: v.cn.trim(), dns: v.dns.split('\n').map((s) => s.trim()).filter((s) => s).join('\n') });
				showCsr(String(res.csr || ''));
				form.ok('New key made; it waits on the device for its certificate.');
			},
		});
		function showCsr(pem) {
			const blob = new Blob([pem.endsWith('\n') ? pem : pem + '\n'], { type: 'application/pkcs10' });
			const href = URL.createObjectURL(blob);
			page.cleanups.push(() => URL.revokeObjectURL(href));
			const ta = el('textarea', { id: o.csrId + '-pem', class: 'mono', rows: '10', readonly: true, spellcheck: 'false' });
			ta.value = pem;
			csrOut.replaceChildren(
				el('div', { class: 'field' }, el('label', { for: o.csrId + '-pem', text: 'Certificate signing request' }), ta),
				el('div', { class: 'actions' },
					el('a', { class: 'button', href, download: o.file, id: o.csrId + '-download', text: 'Download CSR' })),
				el('p', { class: 'muted', text: 'Have it signed by your certificate authority, then install the certificate above (without a key file).' }));
			csrOut.hidden = false;
		}

		box.appendChild(card('Certificate in use', null, facts.dl, el('p', { class: 'muted', text: o.about })));
		box.appendChild(card('Install a certificate', null, up.form));
		if (admin) box.appendChild(card('Generate a key and CSR', null, csr.form, csrOut));
		return up;
	}

	function cfgBackup(box) {
		const dl = el('a', { class: 'button', href: '/api/config/backup', download: '', id: 'cfg-backup-download', text: 'Download backup' });
		box.appendChild(card('Backup', null,
			el('p', { text: 'A text file with the time service\u2019s configuration, the network addresses and the site\u2019s network policy, with a checksum. It holds no private key and no users.' }),
			el('div', { class: 'actions' }, dl)));
		if (!admin) return null;
		const f = makeForm({
			id: 'cfg-restore',
			submit: 'Restore',
			submitClass: 'danger',
			fields: [{ name: 'file', label: 'Backup file', type: 'file', hint: 'Every file in it is checked before any is written.', attrs: { accept: '.txt,text/plain' } }],
			async onSubmit(v, form) {
				const file = form.input('file').files[0];
				if (!file) return form.error('Choose a backup file.', 'file');
				const text = await readFileText(file);
				if (!/^timegate-config 1\n/.test(text)) return form.error(file.name + ' is not a Timegate configuration backup (expected \u201ctimegate-config 1\u201d on its first line).', 'file');
				if (JSON.stringify({ file: text }).length > BODY_MAX) return form.error('The file is too large (at most ' + BODY_MAX + ' bytes).', 'file');
				if (!(await confirmDialog('Restore this backup?', 'The configuration in ' + file.name + ' replaces the current one and is applied; services restart.', 'Restore'))) return;
				const r = await api('POST', '/api/config/restore', { file: text });
				form.ok(sentence(r.message || 'restored'));
				announce('Configuration restored.');
			},
		});
		box.appendChild(card('Restore', null, f.form));
		return f;
	}

	reload(null);
}

/* ------------------------------------------------------------------ */
/* Logs and services                                                   */

function fmtUptime(s) {
	if (!isNum(s)) return '\u2014';
	if (s < 60) return s + ' s';
	if (s < 3600) return Math.floor(s / 60) + ' min';
	if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
	return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
}

function renderLogs(main, page) {
	main.appendChild(el('h1', { text: 'Logs' }));
	const svcSel = el('select', { id: 'log-service', name: 'service' }, el('option', { value: '', text: 'All services' }));
	const q = el('input', { id: 'log-q', name: 'q', type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' });
	const nSel = el('select', { id: 'log-n', name: 'n' });
	for (const n of [100, 200, 500, 1000]) nSel.appendChild(el('option', { value: String(n), text: String(n), selected: n === 200 }));
	const auto = el('input', { id: 'log-auto', type: 'checkbox' });
	const refreshBtn = el('button', { type: 'submit', id: 'log-refresh', text: 'Refresh' });
	const form = el('form', { class: 'filters', id: 'log-form', novalidate: true },
		el('div', { class: 'field' }, el('label', { for: 'log-service', text: 'Service' }), svcSel),
		el('div', { class: 'field' }, el('label', { for: 'log-q', text: 'Text contains' }), q),
		el('div', { class: 'field' }, el('label', { for: 'log-n', text: 'Lines' }), nSel),
		el('div', { class: 'field check' }, el('div', { class: 'check-row' }, auto, el('label', { for: 'log-auto', text: 'Refresh every 5 s' }))),
		el('div', { class: 'actions' }, refreshBtn));
	const info = el('p', { class: 'muted', id: 'log-info', role: 'status' });
	const logErr = el('p', { class: 'form-error', id: 'log-error', 'aria-live': 'polite' });
	const lines = el('div', { class: 'log', id: 'log-lines', tabindex: '0', role: 'region', 'aria-label': 'Log lines, newest last' });

	const svcErr = el('p', { class: 'form-error', id: 'svc-error', 'aria-live': 'polite' });
	const svcOk = el('p', { class: 'form-ok', id: 'svc-ok', role: 'status' });
	const svcWrap = el('div', { class: 'table-wrap' }, el('p', { class: 'muted', text: 'Loading\u2026' }));

	main.appendChild(el('div', { class: 'grid' },
		card('Log', { wide: true }, form, info, logErr, lines),
		card('Services', { wide: true }, svcErr, svcOk, svcWrap)));

	let seq = 0;
	async function loadLogs() {
		const my = ++seq;
		const qs = new URLSearchParams();
		if (svcSel.value) qs.set('service', svcSel.value);
		if (q.value.trim()) qs.set('q', q.value.trim());
		qs.set('n', nSel.value);
		try {
			const d = await api('GET', '/api/logs?' + qs.toString());
			if (!page.alive || my !== seq) return;
			logErr.textContent = '';
			const ls = Array.isArray(d.lines) ? d.lines : [];
			/* follow the newest line unless the reader scrolled up */
			const atEnd = lines.scrollHeight - lines.scrollTop - lines.clientHeight < 8;
			lines.replaceChildren(...ls.map((l) => el('div', { class: 'line' },
				el('span', { class: 'lt', text: l.t || '' }), ' ',
				el('span', { class: 'ls', text: l.service || '' }), ' ',
				el('span', { class: 'lx', text: l.text || '' }))));
			if (!ls.length) lines.appendChild(el('p', { class: 'muted', text: 'No lines match.' }));
			if (atEnd || my === 1) lines.scrollTop = lines.scrollHeight;
			setText(info, ls.length + (ls.length === 1 ? ' line' : ' lines') + (d.truncated ? ' (older lines left out)' : '') +
				(svcSel.value ? ' of ' + svcSel.value : '') + (q.value.trim() ? ' containing \u201c' + q.value.trim() + '\u201d' : '') + '.');
		} catch (e) {
			if (page.alive && my === seq) logErr.textContent = 'Log unavailable: ' + errText(e);
		}
	}

	async function restart(name) {
		svcErr.textContent = '';
		svcOk.textContent = '';
		if (!(await confirmDialog('Restart ' + name + '?', 'The service stops and starts again at once.', 'Restart'))) return;
		try {
			const r = await api('POST', '/api/services/restart', { service: name });
			svcOk.textContent = sentence(r.message || (name + ' is restarting'));
		} catch (e) {
			svcErr.textContent = errText(e);
		}
		setTimeout(loadServices, 1000);
	}

	let haveNames = false;
	async function loadServices() {
		try {
			const d = await api('GET', '/api/services');
			if (!page.alive) return;
			const ss = Array.isArray(d.services) ? d.services : [];
			if (!haveNames) {
				haveNames = true;
				for (const s of ss) svcSel.appendChild(el('option', { value: String(s.name), text: String(s.name) }));
			}
			const admin = isAdmin();
			const table = el('table', { id: 'services-table' },
				el('caption', { text: ss.length + ' services' + (d.all_ready === true ? ', all ready' : (d.all_ready === false ? ', not all ready' : '')) }),
				el('thead', {}, el('tr', {},
					['Service', 'State', 'Uptime', 'Restarts', 'Ready'].map((h) => el('th', { scope: 'col', text: h, class: h === 'Restarts' || h === 'Uptime' ? 'num' : null })),
					admin ? el('th', { scope: 'col', text: 'Actions' }) : null)));
			const tb = el('tbody');
			for (const s of ss) {
				const name = String(s.name || '');
				tb.appendChild(el('tr', {},
					el('td', { text: name }),
					el('td', { text: s.state || '\u2014' }),
					el('td', { class: 'num', text: fmtUptime(s.uptime_s) }),
					el('td', { class: 'num', text: isNum(s.restarts) ? s.restarts : '\u2014' }),
					el('td', { text: s.ready === true ? 'yes' : (s.ready === false ? 'no' : '\u2014') }),
					admin ? el('td', {}, name === 'consoled'
						? el('span', { class: 'muted', text: 'this console' })
						: el('button', { type: 'button', class: 'secondary', text: 'Restart', 'aria-label': 'Restart ' + name, onclick: () => restart(name) })) : null));
			}
			table.appendChild(tb);
			svcWrap.replaceChildren(table);
			svcErr.textContent = '';
		} catch (e) {
			if (page.alive) svcErr.textContent = 'Services unavailable: ' + errText(e);
		}
	}

	form.addEventListener('submit', (ev) => { ev.preventDefault(); loadLogs(); });
	svcSel.addEventListener('change', loadLogs);
	nSel.addEventListener('change', loadLogs);
	let timer = 0;
	auto.addEventListener('change', () => {
		clearInterval(timer);
		if (auto.checked) {
			timer = setInterval(() => { loadLogs(); loadServices(); }, 5000);
			page.timers.push(timer);
		}
	});
	loadServices().then(loadLogs);
}

/* ------------------------------------------------------------------ */
/* Dashboard: the NTS card                                             */

function fmtRate(v, unit) {
	if (!isNum(v)) return '\u2014';
	return (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + '\u00a0' + unit;
}

function fmtAge(s) {
	if (!isNum(s)) return '\u2014';
	if (s < 3600) return Math.round(s / 60) + '\u00a0min';
	if (s < 172800) return (s / 3600).toFixed(1) + '\u00a0h';
	return Math.round(s / 86400) + '\u00a0days';
}

function ntsCard() {
	const note = el('p', { class: 'muted', id: 'nts-state', role: 'status', text: '\u2026' });
	const fig = {};
	const figures = el('div', { class: 'figures' });
	for (const [k, label] of [['ntp', 'NTP requests'], ['nts', 'NTS requests'], ['ke', 'KE handshakes'], ['refused', 'Refused']]) {
		fig[k] = el('div', { class: 'value', id: 'nts-' + k, text: '\u2014' });
		figures.appendChild(el('div', { class: 'figure' }, el('div', { class: 'label', text: label }), fig[k]));
	}
	const facts = kv([['key', 'Cookie key age'], ['cert', 'Certificate expires']]);
	facts.refs.key.id = 'nts-key-age';
	facts.refs.cert.id = 'nts-cert';
	const node = card('NTS', null, note, figures, facts.dl);
	node.id = 'nts-card';
	return {
		node,
		update(n) {
			const ok = !!(n && n.ok);
			setText(note, ok ? 'NTS service reporting.' : 'NTS service not reporting.');
			note.className = ok ? 'muted' : 'form-error';
			setText(fig.ntp, ok ? fmtRate(n.ntp_rps, '/s') : null);
			setText(fig.nts, ok ? fmtRate(n.nts_rps, '/s') : null);
			setText(fig.ke, ok ? fmtRate(n.ke_per_min, '/min') : null);
			setText(fig.refused, ok ? fmtRate(n.refused_rps, '/s') : null);
			setText(facts.refs.key, ok ? fmtAge(n.cookie_key_age_s) : null);
			if (ok) expiryCell(facts.refs.cert, n.cert_not_after, n.cert_days_left);
			else setText(facts.refs.cert, null);
		},
	};
}

/* ------------------------------------------------------------------ */
/* Dashboard: the upstream cross-check card                            */

function fmtMs(v) {
	if (!isNum(v)) return '\u2014';
	const a = Math.abs(v);
	return (v > 0 ? '+' : '') + (a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toFixed(3)) + '\u00a0ms';
}

function xcheckCard() {
	const note = el('p', { class: 'muted', id: 'xcheck-state', role: 'status', text: '\u2026' });
	const wrap = el('div', { class: 'table-wrap' });
	const node = card('Upstream cross-check', null, note, wrap);
	node.id = 'xcheck-card';
	let last = '';
	return {
		node,
		update(x) {
			const servers = x && Array.isArray(x.servers) ? x.servers : [];
			if (!x || !x.ok) {
				setText(note, 'Cross-check results unavailable.');
			} else if (!servers.length) {
				setText(note, 'No upstream servers configured (Configuration \u2192 Upstream servers).');
			} else {
				setText(note, 'GNSS time compared with ' + servers.length + ' NTS server' +
					(servers.length > 1 ? 's' : '') + '; limit \u00b1' + x.max_ms + '\u00a0ms.');
			}
			/* redraw only on change: the table keeps focus and selection */
			const key = JSON.stringify(servers);
			if (key === last) return;
			last = key;
			if (!servers.length) { wrap.replaceChildren(); return; }
			const rows = servers.map((v) => {
				let status, cls;
				if (!v.ok) { status = v.error ? 'Failed: ' + v.error : (v.age_s < 0 ? 'Not asked yet' : 'Failed'); cls = 'bad'; }
				else if (v.agrees === false) { status = 'Disagrees'; cls = 'bad'; }
				else { status = 'Agrees'; cls = 'good'; }
				return el('tr', {},
					el('th', { scope: 'row', text: v.name || v.host }),
					el('td', { class: 'num', text: v.ok ? fmtMs(v.offset_ms) : '\u2014' }),
					el('td', { class: 'num', text: v.ok ? fmtMs(v.delay_ms).replace('+', '') : '\u2014' }),
					el('td', { class: 'num', text: v.ok && isNum(v.stratum) ? String(v.stratum) : '\u2014' }),
					el('td', { text: !isNum(v.age_s) || v.age_s < 0 ? '\u2014'
						: v.age_s < 120 ? v.age_s + '\u00a0s ago' : fmtAge(v.age_s) + ' ago' }),
					el('td', { class: 'xc-' + cls, text: status }));
			});
			wrap.replaceChildren(el('table', { id: 'xcheck-table' },
				el('caption', { class: 'sr-only', text: 'Upstream NTS servers: offset from the GNSS-disciplined clock' }),
				el('thead', {}, el('tr', {}, ['Server', 'Offset', 'Delay', 'Stratum', 'Checked', 'Status']
					.map((h) => el('th', { scope: 'col', text: h })))),
				el('tbody', {}, rows)));
		},
	};
}

/* ------------------------------------------------------------------ */
/* Start                                                               */

async function start() {
	byId('logout').addEventListener('click', logout);
	/* the skip link must not change the hash: that is the router's */
	document.querySelector('.skip').addEventListener('click', (ev) => {
		ev.preventDefault();
		byId('main').focus();
	});
	window.addEventListener('hashchange', render);
	const main = byId('main');
	for (;;) {
		try {
			await loadSession();
			break;
		} catch (e) {
			main.replaceChildren(
				el('h1', { text: 'Timegate console' }),
				el('p', { class: 'form-error', role: 'alert', text: 'Cannot load the session: ' + errText(e) }),
				el('p', { text: 'Retrying in 5 s\u2026' }));
			await new Promise((res) => setTimeout(res, 5000));
		}
	}
	render();
}

start();

})();
