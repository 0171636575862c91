import { authHeaders } from './api.js';

// Server-Sent Events over fetch rather than EventSource: EventSource cannot send the Authorization header the home
// stream needs. Reconnects with Last-Event-ID (the API replays what was missed) until the signal aborts.
export function openStream(path, { onEvent, onState, signal }) {
  let lastId = null;
  const run = async () => {
    while (!signal.aborted) {
      try {
        const headers = authHeaders({ Accept: 'text/event-stream' });
        if (lastId) headers['Last-Event-ID'] = lastId;
        const response = await fetch(`/api/v1${path}`, { headers, signal });
        if (!response.ok) throw new Error(`stream: HTTP ${response.status}`);
        onState('live');
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replaceAll('\r\n', '\n');
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = parse(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (frame.id) lastId = frame.id;
            if (frame.event && frame.data !== undefined) onEvent(frame.event, frame.data);
          }
        }
      } catch {
        if (signal.aborted) return;
      }
      onState('reconnecting');
      await new Promise(resolve => setTimeout(resolve, 3000));
    }
  };
  run();
}

function parse(text) {
  const frame = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) continue; // comment: "connected", heartbeats
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    else if (name === 'event' || name === 'id') frame[name] = value;
  }
  return frame;
}
