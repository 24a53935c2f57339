/* Rendering on the next frame: schedule('list', 'chat', ...) marks parts dirty, draws them once. */
import { guard } from './state.js';
import { renderConvList } from './conversation-list.js';
import { renderVisitors } from './visitor-list.js';
import { renderChatHead } from './chat-head.js';
import { renderPanel } from './visitor-panel.js';
import { updateTitle } from './alerts.js';

function clean() { return { list: false, visitors: false, chat: false, panel: false }; }

let dirty = clean();
let rafPending = false;

/** Parts: 'list' (conversations), 'visitors', 'chat' (the middle pane's head), 'panel' (the visitor). */
export function schedule(...parts) {
  parts.forEach((part) => { dirty[part] = true; });
  if (rafPending) return;
  rafPending = true;
  const run = () => {
    rafPending = false;
    const d = dirty;
    dirty = clean();
    guard(() => {
      if (d.list) renderConvList();
      if (d.visitors) renderVisitors();
      if (d.chat) renderChatHead();
      if (d.panel) renderPanel();
      updateTitle();
    });
  };
  // requestAnimationFrame stalls in background tabs; the title and lists must still update there.
  if (document.hidden) setTimeout(run, 50); else window.requestAnimationFrame(run);
}
