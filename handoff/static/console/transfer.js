// Transfer of the selected chat to another online agent (docs/protocol.md §2, `list_agents` and `transfer`).
import { el, plainText } from "../js/safe.js";

const $ = (id) => document.getElementById(id);

export class TransferDialog {
  constructor(app) {
    this.app = app;
    $("transfer").addEventListener("click", () => this.open());
    $("transfer-dialog").addEventListener("close", () => {
      if ($("transfer-dialog").returnValue === "confirm") this.transfer();
      else $("transfer").focus();
    });
  }

  get t() {
    return this.app.t;
  }

  async open() {
    const cid = this.app.chat.selected;
    if (!cid) return;
    this.cid = cid;
    const select = $("transfer-to");
    select.replaceChildren();
    $("transfer-error").textContent = "";
    $("transfer-confirm").disabled = true;
    $("transfer-dialog").returnValue = "";
    $("transfer-dialog").showModal();
    try {
      const res = await this.app.sock.request({ type: "list_agents" });
      select.replaceChildren(...res.items.map((a) => el("option", { value: a.username, dir: "auto" },
        plainText(a.display_name))));
      $("transfer-confirm").disabled = res.items.length === 0;
      if (!res.items.length) $("transfer-error").textContent = this.t("console.transfer_nobody");
    } catch (err) {
      $("transfer-error").textContent = this.t("console.error", { code: err.code });
    }
  }

  async transfer() {
    const to = $("transfer-to").value;
    if (!to || !this.cid) return;
    try {
      await this.app.sock.request({ type: "transfer", conversation_id: this.cid, to });
      this.app.chat.drop(this.cid);
      this.app.faq.clear();
    } catch (err) {
      $("chat-typing").textContent = this.t(`console.transfer_${err.code}`) === `console.transfer_${err.code}`
        ? this.t("console.error", { code: err.code }) : this.t(`console.transfer_${err.code}`);
    }
  }
}
