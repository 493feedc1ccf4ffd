// A staff member signed in for this tab (editor, dashboard): {token, role, name} kept in sessionStorage
// under the page's own key, and the Api client that carries the token.
import { Api } from "./api.js";

export class StaffSession {
  constructor(storageKey, apiOptions = {}) {
    this.key = storageKey;
    this.user = JSON.parse(sessionStorage.getItem(storageKey) || "null");
    this.api = new Api(this.user?.token || null, apiOptions);
  }

  /** POST /api/login: the Api's {ok, status, data}. Nothing is kept until `keep`: a page may refuse the role. */
  login(username, password) {
    return this.api.send("POST", "/api/login", { username, password });
  }

  keep(data) {
    this.user = { token: data.token, role: data.role, name: data.display_name };
    this.api.token = data.token;
    sessionStorage.setItem(this.key, JSON.stringify(this.user));
  }

  forget() {
    sessionStorage.removeItem(this.key);
    this.user = null;
    this.api.token = null;
  }
}
