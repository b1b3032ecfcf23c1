// The phone's own store: IndexedDB, with every personal value encrypted (AES-GCM) under a key
// made on this device and never exportable (WebCrypto, extractable: false). Deleting the key
// makes whatever is left of the data unreadable: that is how a wipe is made certain.
//
// Stores
//   meta     key -> value: "key" (the CryptoKey), "device" ({id, label, token: sealed}),
//            "seq" (the last record number), "info" (sealed: who, forms, desa, rules)
//   children "all" -> sealed list of the children this user may hold
//   outbox   client_id -> {client_id, seq, kind, status, message_id, message_en, created_at,
//            updated_at, label: sealed, data: sealed, conflict: sealed, attachments: [...]}
//   files    client_id -> {client_id, record, kind, type, size, sha256, uploaded, body: sealed bytes}

const DB_NAME = "satuanak-lapangan";
const DB_VERSION = 1;
const enc = new TextEncoder();
const dec = new TextDecoder();

function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export function openDb() {
  const r = indexedDB.open(DB_NAME, DB_VERSION);
  r.onupgradeneeded = () => {
    const db = r.result;
    if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta");
    if (!db.objectStoreNames.contains("children")) db.createObjectStore("children");
    if (!db.objectStoreNames.contains("outbox")) {
      const o = db.createObjectStore("outbox", { keyPath: "client_id" });
      o.createIndex("seq", "seq", { unique: true });
    }
    if (!db.objectStoreNames.contains("files")) {
      const f = db.createObjectStore("files", { keyPath: "client_id" });
      f.createIndex("record", "record", { unique: false });
    }
  };
  return req(r).then((db) => {
    // A wipe (deleteDatabase) must not wait for this page to close its connection.
    db.onversionchange = () => db.close();
    return db;
  });
}

export class Store {
  constructor(db) {
    this.db = db;
    this.key = null;
  }

  static async open() {
    const s = new Store(await openDb());
    s.key = await s.get("meta", "key");
    return s;
  }

  tx(names, mode = "readonly") {
    return this.db.transaction(names, mode);
  }

  async get(store, key) {
    return req(this.tx([store]).objectStore(store).get(key));
  }

  async put(store, value, key) {
    const t = this.tx([store], "readwrite");
    const done = new Promise((resolve, reject) => {
      t.oncomplete = resolve;
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error || new Error("transaction aborted"));
    });
    if (key === undefined) t.objectStore(store).put(value);
    else t.objectStore(store).put(value, key);
    await done;
  }

  async del(store, key) {
    const t = this.tx([store], "readwrite");
    t.objectStore(store).delete(key);
    await new Promise((resolve, reject) => {
      t.oncomplete = resolve;
      t.onerror = () => reject(t.error);
    });
  }

  async all(store) {
    return req(this.tx([store]).objectStore(store).getAll());
  }

  // --- encryption -----------------------------------------------------------------------------
  async makeKey() {
    this.key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
      "encrypt",
      "decrypt",
    ]);
    await this.put("meta", this.key, "key");
  }

  async sealBytes(bytes) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, this.key, bytes);
    return { iv, ct };
  }

  async openBytes(sealed) {
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, this.key, sealed.ct);
  }

  async seal(value) {
    return this.sealBytes(enc.encode(JSON.stringify(value)));
  }

  async unseal(sealed) {
    if (!sealed) return null;
    return JSON.parse(dec.decode(await this.openBytes(sealed)));
  }

  // --- the record counter: the phone's order of work ------------------------------------------
  async nextSeq() {
    const t = this.tx(["meta"], "readwrite");
    const store = t.objectStore("meta");
    const current = (await req(store.get("seq"))) || 0;
    const next = current + 1;
    store.put(next, "seq");
    await new Promise((resolve, reject) => {
      t.oncomplete = resolve;
      t.onerror = () => reject(t.error);
    });
    return next;
  }

  // A record and its photos in one transaction: either all of it is queued or none.
  async enqueue(record, files) {
    const t = this.tx(["outbox", "files"], "readwrite");
    t.objectStore("outbox").put(record);
    for (const f of files) t.objectStore("files").put(f);
    await new Promise((resolve, reject) => {
      t.oncomplete = resolve;
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error || new Error("transaction aborted"));
    });
  }
}

export async function wipeEverything() {
  // The key goes with the database; caches and the service worker too.
  await new Promise((resolve) => {
    const r = indexedDB.deleteDatabase(DB_NAME);
    r.onsuccess = r.onerror = () => resolve();
  });
  try {
    localStorage.clear();
  } catch (e) {
    /* not available in this context */
  }
  if (self.caches) {
    for (const name of await caches.keys()) await caches.delete(name);
  }
  if (navigator.serviceWorker) {
    for (const reg of await navigator.serviceWorker.getRegistrations()) await reg.unregister();
  }
}

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest))
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}
