// The field app: forms that work without a signal, an outbox that survives the phone being
// switched off, and a synchronisation that sends each record once, in order, and says what
// became of it. The server's rules are the only rules (lapangan/services.py); the phone checks
// only what it must to build a record, and shows the server's reasons as they come.
import { Store, sha256Hex, wipeEverything } from "./store.js";

const API = "/api/v1/lapangan/";
const CHUNK = 50; // records per request: finishes over a slow link before it drops
const APP_VERSION = document.documentElement.dataset.version || "";
const PENDING = new Set(["queued", "waiting", "retry", "sending"]);
const DONE = new Set(["accepted", "duplicate", "kept_server", "took_device"]);
const STATUS_TEXT = {
  queued: "Menunggu sinyal / waiting for a signal",
  sending: "Mengirim / sending",
  waiting: "Menunggu foto / waiting for photos",
  retry: "Dicoba lagi / will retry",
  accepted: "Terkirim / sent",
  duplicate: "Sudah ada / already there",
  rejected: "Ditolak / refused",
  conflict: "Konflik / conflict",
  kept_server: "Konflik: nilai server tetap / server value kept",
  took_device: "Konflik: nilai Anda dipakai / your value taken",
};
const MAX_PHOTO_SIDE = 1600; // px: a document stays legible; a satellite link is spared megabytes

let store = null;
let device = null;
let token = "";
let info = null;
let children = [];
let syncing = false;
let again = false; // asked to send while a round was running: run once more after it

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") n.className = v;
    else if (k === "text") n.textContent = v;
    else n.setAttribute(k, v);
  }
  for (const k of kids) n.append(k);
  return n;
};

function say(text, kind = "info") {
  const box = $("#pesan");
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = !text;
}

// --- registration (the /lapangan/daftar/ page hands the token over once) ---------------------

export async function registerDevice(secret, id, label, username) {
  // Registering again as the same user (the token expired, the phone was re-registered) keeps
  // the key and the unsent queue: they go out with the new token. Another user's registration
  // starts from nothing — the previous user's data never travels under someone else's name.
  let keep = false;
  try {
    const old = await Store.open();
    const before = old.key ? await old.unseal(await old.get("meta", "info")) : null;
    keep = !!(before && before.username === username);
    if (keep) store = old;
    else old.db.close();
  } catch (e) {
    keep = false;
  }
  if (!keep) {
    await wipeEverything();
    store = await Store.open();
    await store.makeKey();
  }
  await store.put("meta", { id, label, token: await store.seal(secret) }, "device");
  await store.del("meta", "info"); // who and what: fetched afresh with the new token
  if (navigator.storage && navigator.storage.persist) {
    try {
      await navigator.storage.persist(); // ask the browser not to evict the outbox under pressure
    } catch (e) {
      /* not granted: the data stays, the browser may evict under storage pressure */
    }
  }
}

// --- talking to the server ------------------------------------------------------------------

class Revoked extends Error {}
class SignInAgain extends Error {}
class Offline extends Error {}

async function call(path, options = {}) {
  const headers = Object.assign({}, options.headers || {}, {
    Authorization: `Bearer ${token}`,
    "X-App-Version": APP_VERSION,
    "X-Outbox": String(await pendingCount()),
  });
  let response;
  try {
    response = await fetch(API + path, Object.assign({}, options, { headers, cache: "no-store" }));
  } catch (e) {
    throw new Offline(String(e));
  }
  if (response.status === 410) throw new Revoked();
  if (response.status === 401) throw new SignInAgain();
  if (response.status === 429) {
    const wait = Number(response.headers.get("Retry-After") || "10");
    await new Promise((r) => setTimeout(r, Math.min(wait, 60) * 1000));
    return call(path, options);
  }
  return response;
}

async function errorText(response) {
  try {
    const body = await response.json();
    return `${body.error.message_id} / ${body.error.message_en}`;
  } catch (e) {
    return `HTTP ${response.status}`;
  }
}

async function refresh() {
  const r = await call("perangkat/");
  if (!r.ok) throw new Error(await errorText(r));
  info = await r.json();
  await store.put("meta", await store.seal(info), "info");
  if (info.forms.includes("measurement") || info.forms.includes("intervention")) {
    const chosen = (await store.get("meta", "trip")) || [];
    const qs = chosen.map((c) => `desa=${encodeURIComponent(c)}`).join("&");
    const c = await call("anak/" + (qs ? `?${qs}` : ""));
    if (c.ok) {
      const body = await c.json();
      children = body.items;
      await store.put("children", await store.seal(children), "all");
    } else {
      say(await errorText(c), "warn");
    }
  }
}

async function wipe() {
  await wipeEverything();
  store = null;
  device = null;
  document.body.dataset.state = "wiped";
  $("#aplikasi").hidden = true;
  $("#belum-terdaftar").hidden = true;
  $("#dicabut").hidden = false;
}

// --- the outbox -------------------------------------------------------------------------------

async function pendingCount() {
  if (!store) return 0;
  return (await store.all("outbox")).filter((r) => PENDING.has(r.status)).length;
}

function uuid() {
  return crypto.randomUUID();
}

async function shrink(file) {
  // Photos are made smaller on the phone (JPEG, longest side 1600 px); a PDF goes as it is.
  if (!file.type.startsWith("image/")) return new Uint8Array(await file.arrayBuffer());
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
    if (scale === 1 && file.type === "image/jpeg") return new Uint8Array(await file.arrayBuffer());
    const canvas = new OffscreenCanvas(Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.8 });
    return new Uint8Array(await blob.arrayBuffer());
  } catch (e) {
    return new Uint8Array(await file.arrayBuffer());
  }
}

// Queue one record (and its photos) on the phone. `photos` is [{kind, bytes, type}] or Files.
export async function enqueue(kind, data, label, photos = []) {
  const seq = await store.nextSeq();
  const record = {
    client_id: uuid(),
    seq,
    kind,
    status: "queued",
    message_id: "",
    message_en: "",
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
    label: await store.seal(label),
    data: await store.seal(data),
    conflict: null,
    attachments: [],
  };
  const files = [];
  for (const p of photos) {
    const bytes = p.bytes || (await shrink(p.file));
    const id = uuid();
    files.push({
      client_id: id,
      record: record.client_id,
      kind: p.kind,
      size: bytes.byteLength,
      sha256: await sha256Hex(bytes),
      uploaded: false,
      body: await store.sealBytes(bytes),
    });
    record.attachments.push({ client_id: id, kind: p.kind });
  }
  await store.enqueue(record, files);
  return record.client_id;
}

async function setStatus(record, answer) {
  record.status = answer.status;
  record.message_id = answer.message_id || "";
  record.message_en = answer.message_en || "";
  record.updated_at = new Date().toISOString();
  if (answer.conflict && Object.keys(answer.conflict).length) {
    record.conflict = await store.seal(answer.conflict);
  }
  if (answer.result && answer.result.child_changed) {
    record.child_changed = await store.seal(answer.result.child_changed);
  }
  if (DONE.has(record.status)) {
    // Sent and settled: the values leave the phone; the line in the list stays, for the cadre.
    record.data = null;
    for (const a of record.attachments) await store.del("files", a.client_id);
  }
  await store.put("outbox", record);
}

// --- synchronisation ----------------------------------------------------------------------------

function progress(done, total, text) {
  const bar = $("#kemajuan");
  bar.hidden = total === 0;
  bar.max = Math.max(total, 1);
  bar.value = done;
  $("#kemajuan-teks").textContent = total ? `${text} ${done}/${total}` : "";
}

export async function sync() {
  if (syncing) {
    again = true; // "Send now" during a round is not dropped: the next round starts after it
    return;
  }
  if (!store || !token) return;
  if (!navigator.onLine) {
    render();
    return;
  }
  syncing = true;
  document.body.dataset.sync = "running";
  try {
    // Every contact starts here: the server learns the phone is alive (and how full its outbox
    // is), and a revoked phone learns it must wipe itself even with nothing to send.
    const hello = await call("perangkat/");
    if (hello.ok) {
      info = await hello.json();
      await store.put("meta", await store.seal(info), "info");
    }
    const outbox = (await store.all("outbox")).sort((a, b) => a.seq - b.seq);
    const pending = outbox.filter((r) => PENDING.has(r.status));
    // 1. photos first, one at a time: a broken upload is retried alone.
    const files = (await store.all("files")).filter((f) => !f.uploaded);
    let n = 0;
    for (const f of files) {
      progress(n, files.length, "Foto / photos");
      const bytes = await store.openBytes(f.body);
      const r = await call(`lampiran/${f.client_id}/`, {
        method: "PUT",
        body: bytes,
        headers: { "Content-Type": "application/octet-stream", "X-Content-SHA256": f.sha256 },
      });
      if (r.ok) {
        f.uploaded = true;
        await store.put("files", f);
      } else {
        const rec = outbox.find((o) => o.client_id === f.record);
        if (rec) await setStatus(rec, { status: "rejected", message_id: await errorText(r), message_en: "" });
      }
      n += 1;
    }
    // 2. records, oldest first, a chunk at a time; conflicts asked about again.
    const ask = outbox.filter((r) => r.status === "conflict").map((r) => r.client_id);
    let sent = 0;
    const total = pending.length;
    for (let i = 0; i < Math.max(pending.length, ask.length ? 1 : 0); i += CHUNK) {
      const chunk = pending.slice(i, i + CHUNK).filter((r) => PENDING.has(r.status));
      progress(sent, total, "Catatan / records");
      const records = [];
      for (const r of chunk) {
        records.push({
          client_id: r.client_id,
          seq: r.seq,
          kind: r.kind,
          recorded_at: r.created_at,
          data: await store.unseal(r.data),
          attachments: r.attachments,
        });
      }
      const response = await call("sinkron/", {
        method: "POST",
        body: JSON.stringify({ records, ask: i === 0 ? ask : [] }),
        headers: { "Content-Type": "application/json" },
      });
      if (!response.ok) {
        say(await errorText(response), "warn");
        break;
      }
      const body = await response.json();
      const byId = new Map(outbox.map((r) => [r.client_id, r]));
      for (const a of body.results.concat(body.updates)) {
        const rec = byId.get(a.client_id);
        if (rec) await setStatus(rec, a);
      }
      sent += chunk.length;
    }
    progress(0, 0, "");
    $("#terakhir").textContent = new Date().toLocaleString("id-ID");
    await store.put("meta", new Date().toISOString(), "last_sync");
    say("");
  } catch (e) {
    if (e instanceof Revoked) {
      await wipe();
      return;
    }
    if (e instanceof SignInAgain) {
      say("Token perangkat tidak berlaku; daftarkan ulang perangkat (data antrean tetap disimpan). / The device token is no longer valid; register again (the queue is kept).", "warn");
    } else if (e instanceof Offline) {
      say("Tidak ada sinyal; catatan tetap di antrean. / No signal; records stay queued.", "info");
    } else {
      say(String(e), "warn");
    }
  } finally {
    syncing = false;
    document.body.dataset.sync = "idle";
    progress(0, 0, "");
    await render();
    if (again && store) {
      again = false;
      setTimeout(sync, 0);
    }
  }
}

// --- the page -------------------------------------------------------------------------------------

function fmt(v, unit) {
  return v === null || v === undefined ? "–" : `${String(v).replace(".", ",")} ${unit}`;
}

async function render() {
  if (!store) return;
  const online = navigator.onLine;
  $("#sinyal").textContent = online ? "Daring / online" : "Luring / offline";
  $("#sinyal").dataset.online = online ? "1" : "0";
  const outbox = (await store.all("outbox")).sort((a, b) => b.seq - a.seq);
  const list = $("#antrean");
  list.replaceChildren();
  let waiting = 0;
  for (const r of outbox) {
    if (PENDING.has(r.status)) waiting += 1;
    const label = (await store.unseal(r.label)) || r.kind;
    const item = el(
      "li",
      { class: `rekaman status-${r.status}`, "data-status": r.status, "data-kind": r.kind, "data-client-id": r.client_id },
      el("span", { class: "badge", text: STATUS_TEXT[r.status] || r.status }),
      el("span", { class: "label", text: ` ${label}` })
    );
    if (r.message_id) item.append(el("div", { class: "note", text: `${r.message_id} / ${r.message_en}` }));
    if (r.conflict) {
      const c = await store.unseal(r.conflict);
      const rule = (info && info.rules.find((x) => x.code === c.rule)) || null;
      item.append(
        el(
          "div",
          { class: "konflik" },
          el("div", { text: `Server: ${fmt(c.server.weight_kg, "kg")}, ${fmt(c.server.height_cm, "cm")} (${c.server.source})` }),
          el("div", { text: `Perangkat ini / this phone: ${fmt(c.device.weight_kg, "kg")}, ${fmt(c.device.height_cm, "cm")}` }),
          el("div", { class: "rule", text: rule ? `Aturan / rule: ${rule.title_id} — ${rule.text_id}` : "" })
        )
      );
    }
    if (r.status === "rejected" || DONE.has(r.status)) {
      const b = el("button", { type: "button", class: "btn btn-secondary hapus", text: "Hapus dari daftar / remove" });
      b.addEventListener("click", async () => {
        for (const a of r.attachments) await store.del("files", a.client_id);
        await store.del("outbox", r.client_id);
        render();
      });
      item.append(b);
    }
    list.append(item);
  }
  $("#jumlah-antrean").textContent = String(waiting);
  document.body.dataset.outbox = String(waiting);
}

function fillChildren() {
  for (const select of document.querySelectorAll("select.pilih-anak")) {
    const q = (select.form.querySelector(".cari-anak") || {}).value || "";
    const needle = q.trim().toUpperCase();
    select.replaceChildren(el("option", { value: "", text: "— pilih anak / choose a child —" }));
    for (const c of children) {
      if (needle && !c.name.toUpperCase().includes(needle)) continue;
      select.append(
        el("option", { value: String(c.id), text: `${c.name} · ${c.birth_date || "?"} · ${c.desa_name || ""}` })
      );
    }
  }
}

function fillDesa() {
  for (const select of document.querySelectorAll("select.pilih-desa")) {
    select.replaceChildren(el("option", { value: "", text: "— pilih desa / choose a desa —" }));
    for (const d of (info && info.desa) || []) select.append(el("option", { value: d.code, text: `${d.name} (${d.code})` }));
  }
}

function fillPosyandu() {
  // The posyandu is part of a weighing's identity on the server (child, date, posyandu): chosen
  // from the list, never typed, and the last one chosen stays selected.
  const last = localStorage.getItem("lapangan-posyandu") || "";
  for (const select of document.querySelectorAll("select.pilih-posyandu")) {
    select.replaceChildren(el("option", { value: "", text: "— posyandu —" }));
    for (const p of (info && info.posyandu) || []) select.append(el("option", { value: p.name, text: p.name }));
    select.value = last;
    select.onchange = () => localStorage.setItem("lapangan-posyandu", select.value);
  }
}

function showForms() {
  const forms = (info && info.forms) || [];
  for (const f of document.querySelectorAll("[data-form]")) f.hidden = !forms.includes(f.dataset.form);
  const rules = $("#aturan-isi");
  rules.replaceChildren();
  for (const r of (info && info.rules) || []) {
    rules.append(el("li", {}, el("strong", { text: `${r.title_id} / ${r.title_en}: ` }), `${r.text_id} `, el("span", { class: "en", lang: "en", text: r.text_en })));
  }
  $("#siapa").textContent = info ? `${info.label} · ${info.username} (${info.role_label})` : "";
}

const num = (v) => (v === "" || v === null || v === undefined ? null : Number(String(v).replace(",", ".")));

function childById(id) {
  return children.find((c) => String(c.id) === String(id));
}

async function onSubmit(event) {
  event.preventDefault();
  const form = event.target;
  const f = new FormData(form);
  const kind = form.dataset.form;
  let data;
  let label;
  const photos = [];
  if (kind === "measurement") {
    const c = childById(f.get("child_id"));
    if (!c) return say("Pilih anak. / Choose a child.", "warn");
    data = {
      child_id: c.id,
      measurement_date: f.get("measurement_date"),
      weight_kg: num(f.get("weight_kg")),
      height_cm: num(f.get("height_cm")),
      position: f.get("position") || "",
      muac_cm: num(f.get("muac_cm")),
      posyandu: f.get("posyandu") || "",
      child_snapshot: { name: c.name, sex: c.sex, birth_date: c.birth_date },
    };
    label = `Penimbangan · ${c.name} · ${data.measurement_date} · ${fmt(data.weight_kg, "kg")}`;
  } else if (kind === "intervention") {
    const c = childById(f.get("child_id"));
    if (!c) return say("Pilih anak. / Choose a child.", "warn");
    data = {
      child_id: c.id,
      kind: f.get("kind"),
      start_date: f.get("start_date"),
      end_date: f.get("end_date") || null,
      programme: f.get("programme") || "",
      place: f.get("place") || "",
      notes: f.get("notes") || "",
      child_snapshot: { name: c.name, sex: c.sex, birth_date: c.birth_date },
    };
    label = `Intervensi ${data.kind} · ${c.name} · ${data.start_date}`;
  } else if (kind === "visit") {
    const services = f.getAll("services");
    const documents = {};
    for (const s of services) documents[s] = Number(f.get(`doc_${s}`) || 0);
    data = { desa_code: f.get("desa_code"), date: f.get("date"), services, documents, team: f.get("team") || "", notes: f.get("notes") || "" };
    label = `Kunjungan unit keliling · ${data.desa_code} · ${data.date}`;
  } else if (kind === "declaration") {
    data = {
      baby_name: f.get("baby_name"),
      baby_sex: f.get("baby_sex"),
      birth_at: f.get("birth_at"),
      birth_place: f.get("birth_place"),
      weight_g: Number(f.get("weight_g")),
      length_cm: num(f.get("length_cm")),
      mother_nik: f.get("mother_nik") || "",
      mother_name: f.get("mother_name"),
      mother_not_in_siak: f.get("mother_not_in_siak") === "on",
      father_nik: f.get("father_nik") || "",
      father_name: f.get("father_name") || "",
      desa_code: f.get("desa_code") || "",
      address: f.get("address") || "",
      note: f.get("note") || "",
    };
    for (const input of form.querySelectorAll("input[type=file][data-kind]")) {
      for (const file of input.files) photos.push({ kind: input.dataset.kind, file });
    }
    label = `Kelahiran · ${data.baby_name} · ibu ${data.mother_name} · ${photos.length} foto`;
  }
  await enqueue(kind, data, label, photos);
  form.reset();
  fillPosyandu();
  say("Tersimpan di perangkat; dikirim saat ada sinyal. / Saved on the phone; sent when there is a signal.", "ok");
  await render();
  sync();
}

async function start() {
  if ("serviceWorker" in navigator) {
    try {
      await navigator.serviceWorker.register("/lapangan/sw.js", { scope: "/lapangan/" });
    } catch (e) {
      /* no service worker (private window): the app works while the page stays open */
    }
  }
  store = await Store.open();
  device = await store.get("meta", "device");
  if (!device || !store.key) {
    $("#belum-terdaftar").hidden = false;
    document.body.dataset.state = "unregistered";
    return;
  }
  token = await store.unseal(device.token);
  info = await store.unseal(await store.get("meta", "info"));
  children = (await store.unseal(await store.get("children", "all"))) || [];
  $("#aplikasi").hidden = false;
  for (const form of document.querySelectorAll("form[data-form]")) form.addEventListener("submit", onSubmit);
  for (const input of document.querySelectorAll(".cari-anak")) input.addEventListener("input", fillChildren);
  $("#kirim").addEventListener("click", () => sync());
  $("#perbarui").addEventListener("click", async () => {
    try {
      await refresh();
      showForms();
      fillChildren();
      fillDesa();
      fillPosyandu();
      say(`Daftar diperbarui: ${children.length} anak. / List updated: ${children.length} children.`, "ok");
    } catch (e) {
      if (e instanceof Revoked) return wipe();
      say("Tidak dapat memperbarui (tidak ada sinyal?). / Could not update (no signal?).", "warn");
    }
  });
  window.addEventListener("online", () => sync());
  window.addEventListener("offline", () => render());
  setInterval(() => {
    if (navigator.onLine) sync();
  }, 60_000);
  if (navigator.onLine && !info) {
    try {
      await refresh();
    } catch (e) {
      if (e instanceof Revoked) return wipe();
    }
  }
  showForms();
  fillChildren();
  fillDesa();
  fillPosyandu();
  await render();
  document.body.dataset.state = "ready";
  if (navigator.onLine) sync();
}

// For the tests and the benchmark: the same functions the forms use.
window.lapangan = { enqueue, sync, render, pendingCount, store: () => store };

if (document.body.dataset.page === "app") start();
