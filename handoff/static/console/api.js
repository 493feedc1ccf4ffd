// HTTP calls of the console (docs/protocol.md §3 and the FAQ search of the editor API).
import { ApiError, Api as JsonApi } from "../js/api.js";

export { ApiError };

/** The console's calls, by name, over the shared JSON client. */
export class Api extends JsonApi {
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

  learnAgentOutside(conversationId) {
    return this.call("POST", "/api/learn/agent-outside", { conversation_id: conversationId });
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
