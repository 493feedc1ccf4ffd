// JSON calls to the gateway's HTTP API (docs/protocol.md §3), shared by the console and the editor.
// Every error body has one shape, {error: code, message: the fix}; `send` hands it back, `call` throws it.

export class ApiError extends Error {
  constructor(status, code, detail = "") {
    super(code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.detail = detail; // the server's English `message`, for logs; pages show their own Arabic text
  }
}

export class Api {
  /** `onUnauthorized`: called when a call (other than the login itself) is refused with 401 — the
   * session expired or was revoked, so the page can show its login form. */
  constructor(token = null, { onUnauthorized = null } = {}) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  headers(extra = {}) {
    return this.token ? { Authorization: `Bearer ${this.token}`, ...extra } : { ...extra };
  }

  /** {ok, status, data}; never throws for an HTTP error (`data` is then the error body, or null). */
  async send(method, path, body = undefined) {
    const headers = this.headers({ Accept: "application/json" });
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    if (res.status !== 204) {
      try {
        data = await res.json();
      } catch {
        data = null;
      }
    }
    if (res.status === 401 && path !== "/api/login" && this.onUnauthorized) this.onUnauthorized();
    return { ok: res.ok, status: res.status, data };
  }

  /** The body of a successful call; an HTTP error throws an ApiError with the body's code and message. */
  async call(method, path, body = undefined) {
    const res = await this.send(method, path, body);
    if (!res.ok) throw new ApiError(res.status, res.data && res.data.error, res.data && res.data.message);
    return res.data;
  }
}
