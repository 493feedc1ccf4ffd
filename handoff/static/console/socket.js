// Agent websocket (docs/protocol.md §2): auth as the first frame, heartbeat, ref-matched requests.
import { Connection, wsUrl } from "../js/conn.js";

export class AgentSocket {
  constructor(token, { onFrame, onStatus, onAuthFailed }) {
    this.token = token;
    this.pending = new Map();
    this.nextRef = 1;
    this.onFrame = onFrame;
    this.heartbeat = null;
    this.conn = new Connection(wsUrl(location.href, "/ws/agent"), {
      hello: () => ({ type: "auth", token: this.token }),
      onFrame: (f) => this.#frame(f),
      onStatus: (s) => {
        if (s !== "open") this.#failAll();
        onStatus(s);
      },
      // 4401/4403: the token is bad or the role is wrong; retrying will not help.
      shouldRetry: (ev) => {
        if (ev.code === 4401 || ev.code === 4403) {
          onAuthFailed(ev.code);
          return false;
        }
        return true;
      },
    });
  }

  open() {
    this.conn.open();
    this.heartbeat = setInterval(() => this.conn.send({ type: "heartbeat" }), 10000);
  }

  close() {
    clearInterval(this.heartbeat);
    this.conn.close();
  }

  send(frame) {
    return this.conn.send(frame);
  }

  /** Send a frame with a ref; resolves with the answer frame, rejects with the error frame. */
  request(frame) {
    const ref = `r${this.nextRef++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { resolve, reject });
      if (!this.conn.send({ ...frame, ref })) {
        this.pending.delete(ref);
        reject({ type: "error", code: "offline" });
      }
    });
  }

  #frame(f) {
    if (f.ref && this.pending.has(f.ref)) {
      const p = this.pending.get(f.ref);
      this.pending.delete(f.ref);
      if (f.type === "error") p.reject(f);
      else p.resolve(f);
    }
    this.onFrame(f);
  }

  #failAll() {
    for (const p of this.pending.values()) p.reject({ type: "error", code: "offline" });
    this.pending.clear();
  }
}
