// The intake pages' script: hash the chosen files in this browser, send only the hashes;
// print or save the case kit. Messages come from the page (data-msg-*) in its language.
import { hashImage, hashVideo, solveChallenge } from "./hash.js";

const VIDEO_NAME = /\.(mp4|m4v|mov|webm|mkv|avi|3gp|ts)$/i; // when the type is not given

function setupSelect(page) {
  const msg = page.dataset;
  const input = document.getElementById("intake-files");
  const list = document.getElementById("intake-list");
  const state = document.getElementById("intake-state");
  const form = document.getElementById("intake-form");
  const send = document.getElementById("intake-send");
  let items = [];

  input.addEventListener("change", async () => {
    send.disabled = true;
    items = [];
    list.replaceChildren();
    state.textContent = msg.msgHashing;
    const files = Array.from(input.files);
    for (const [n, file] of files.entries()) {
      const li = document.createElement("li");
      li.textContent = `${file.name}: …`;
      list.append(li);
      try {
        if (file.type.startsWith("video/") || VIDEO_NAME.test(file.name)) {
          const video = await hashVideo(file);
          items.push({ kind: "video", md5: video.md5, sha256: video.sha256, frames: video.frames });
          li.textContent = video.frames === null
            ? `${file.name}: ${msg.msgVideoUnreadable}`
            : `${file.name}: ${video.frames.length} ${msg.msgFrames}`;
        } else {
          const h = await hashImage(file);
          items.push({ kind: "image", ...h });
          li.textContent = `${file.name}: ${msg.msgQuality} ${h.quality}`
            + (h.quality < 50 ? ` (${msg.msgLow})` : "");
          li.dataset.pdq = h.pdq;
        }
      } catch (err) {
        li.textContent = `${file.name}: ${msg.msgFailed}`;
        li.className = "error";
      }
      li.dataset.index = String(n + 1);
    }
    state.textContent = msg.msgDone;
    send.disabled = items.length === 0;
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (items.length === 0) return;
    send.disabled = true;
    document.getElementById("intake-items").value = JSON.stringify(items);
    if (!document.getElementById("intake-link").value) {
      state.textContent = msg.msgWorking;
      const answer = await fetch("/intake/challenge", { cache: "no-store" });
      const { challenge, bits } = await answer.json();
      document.getElementById("intake-challenge").value = challenge;
      document.getElementById("intake-nonce").value = await solveChallenge(challenge, bits);
    }
    state.textContent = msg.msgSending;
    form.submit();
  });
}

function setupKit(kit) {
  const msg = kit.dataset;
  kit.querySelector("[data-action=print]").addEventListener("click", () => window.print());
  kit.querySelector("[data-action=save]").addEventListener("click", () => {
    const text = [
      msg.msgHeading,
      "",
      `${document.querySelector("#case-number").previousElementSibling.textContent}: ${document.getElementById("case-number").textContent}`,
      `${document.querySelector("#recovery-phrase").previousElementSibling.textContent}: ${document.getElementById("recovery-phrase").textContent}`,
      "",
      `${msg.msgWhere} ${location.origin}/intake/recover`,
      "",
    ].join("\n");
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = msg.fileName;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
}

const select = document.getElementById("intake-select");
if (select) setupSelect(select);
const kit = document.getElementById("intake-kit");
if (kit) setupKit(kit);
