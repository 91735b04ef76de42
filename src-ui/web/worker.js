// Cosabi's worker: hosts the replica (the cosabi-worker crate, Rust compiled to
// WebAssembly) for the page, which sends it the commands of the contract. Each
// message carries an id; its answer carries the same id, with `ok` (the output's
// JSON text) or `err` (the error object's JSON text). Messages that arrive while the
// replica opens wait for it.
import init, { open, handle } from "./cosabi-worker.js";

const ready = init().then(() => open());
const storage = JSON.stringify({ code: "storage", errors: [] });

self.onmessage = (event) => {
  const message = event.data;
  ready
    .then(() => handle(message))
    .then(
      (ok) => self.postMessage({ id: message.id, ok }),
      (err) => self.postMessage({ id: message.id, err: typeof err === "string" ? err : storage }),
    );
};
