// The live channel (Server-Sent Events): reconnects by itself and resumes from the last
// event id; a "resync" means events were lost and the page reloads its lists.

const EVENTS = ["assigned", "message", "transferred_away", "closed", "status", "presence", "delivery", "mention", "session_ended", "resync"];

export function connectLive({ url, last, onEvent, onStatus, onDenied }) {
  let lastId = Number(last) || 0;
  let source = null;
  let retry = null;

  function open() {
    clearTimeout(retry);
    source = new EventSource(`${url}?last_event_id=${lastId}`);
    source.addEventListener("ready", () => onStatus(true));
    for (const type of EVENTS) {
      source.addEventListener(type, (event) => {
        if (event.lastEventId) lastId = Number(event.lastEventId);
        onEvent(type, JSON.parse(event.data || "{}"));
      });
    }
    source.onerror = () => {
      onStatus(false);
      if (source.readyState === EventSource.CLOSED) {
        // Refused (the session ended) or the server is down: look, then try again.
        source.close();
        onDenied().then((denied) => {
          if (!denied) retry = setTimeout(open, 3000);
        });
      }
    };
  }

  open();
  return { lastId: () => lastId };
}
