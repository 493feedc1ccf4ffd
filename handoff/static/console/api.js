// HTTP calls of the console (docs/protocol.md §3 and the FAQ search of the editor API).

export class ApiError extends Error {
  constructor(status, code) {
    super(code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  constructor(token = null) {
    this.token = token;
  }

  async call(method, path, body = undefined) {
    const headers = { Accept: "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 204) return null;
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) throw new ApiError(res.status, data && data.error);
    return data;
  }

  login(username, password) {
    return this.call("POST", "/api/login", { username, password });
  }

  me() {
    return this.call("GET", "/api/me");
  }

  logout() {
    return this.call("POST", "/api/logout");
  }

  /** {decision, candidates: [{id, question, answer, category, score}]} */
  searchFaq(q) {
    return this.call("GET", `/api/faq/search?q=${encodeURIComponent(q)}`);
  }

  async faqEntry(id) {
    const data = await this.call("GET", `/api/faq/${encodeURIComponent(id)}`);
    return data.entry;
  }

  learnAgentPick(conversationId, faqId) {
    return this.call("POST", "/api/learn/agent-pick", { conversation_id: conversationId, faq_id: faqId });
  }

  /** {personal: [CannedReply], team: [CannedReply]} */
  canned() {
    return this.call("GET", "/api/canned");
  }

  createCanned(body) {
    return this.call("POST", "/api/canned", body);
  }

  updateCanned(id, body) {
    return this.call("PUT", `/api/canned/${encodeURIComponent(id)}`, body);
  }

  deleteCanned(id) {
    return this.call("DELETE", `/api/canned/${encodeURIComponent(id)}`);
  }

  callbackDone(id) {
    return this.call("POST", `/api/callbacks/${encodeURIComponent(id)}/done`);
  }
}
