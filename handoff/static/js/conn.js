// A websocket that comes back: exponential back-off with jitter, a hello frame on every (re)connect
// (the caller builds it, e.g. `resume` with the last seq it has), and status callbacks for the UI.

export class Connection {
  /**
   * @param {string} url ws:// or wss:// URL
   * @param {{hello: () => object|null, onFrame: (f: object) => void, onStatus?: (s: string) => void}} opts
   */
  constructor(url, opts) {
    this.url = url;
    this.opts = opts;
    this.ws = null;
    this.attempt = 0;
    this.closedByUs = false;
    this.timer = null;
  }

  open() {
    this.closedByUs = false;
    this.#connect();
  }

  close() {
    this.closedByUs = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Send a frame now; returns false when the socket is not open (the caller keeps it for later). */
  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  #status(s) {
    if (this.opts.onStatus) this.opts.onStatus(s);
  }

  #connect() {
    this.#status(this.attempt === 0 ? "connecting" : "reconnecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      const hello = this.opts.hello();
      if (hello) ws.send(JSON.stringify(hello));
      this.#status("open");
    });
    ws.addEventListener("message", (ev) => {
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch {
        return; // not ours
      }
      this.opts.onFrame(frame);
    });
    ws.addEventListener("close", (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closedByUs || (this.opts.shouldRetry && !this.opts.shouldRetry(ev))) {
        this.#status("closed");
        return;
      }
      this.#status("reconnecting");
      const delay = Math.min(10000, 400 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
      this.attempt += 1;
      this.timer = setTimeout(() => this.#connect(), delay);
    });
  }
}

/** ws(s):// URL for a path on the gateway whose http(s) base is `base`. */
export function wsUrl(base, path) {
  const u = new URL(path, base);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.href;
}
