// Headless Chromium that cannot reach past this machine: what the brief's PDF (brief-pdf.ts) and the site's browser
// tests open the published site with. Two parts, used together:
//   - Chromium's switches that turn off its own background traffic (network time, component updates, ...);
//   - a "proxy" on 127.0.0.1 that Chromium sends every non-loopback request to, which records the address asked for
//     and refuses it, so whatever part of the browser makes a request (a page, a worker, the browser itself), it
//     cannot leave and it is seen.
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Whether a URL stays on this machine (loopback, or no network at all: data:, blob:, about:). */
export function isLoopbackUrl(url: string): boolean {
  if (url.startsWith("data:") || url.startsWith("blob:") || url.startsWith("about:")) return true;
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
  } catch {
    return false;
  }
}

export interface RefusingProxy {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts the refusing proxy on a free loopback port. `record` gets each address asked for: a plain request's URL, or
 * `connect://host:port` for an HTTPS tunnel.
 */
export async function startRefusingProxy(record: (target: string) => void): Promise<RefusingProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    record(request.url ?? "(unknown)");
    response.writeHead(502).end();
  });
  server.on("connect", (request, socket: Socket) => {
    record(`connect://${request.url ?? "(unknown)"}`);
    socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Chromium's switches for opening our own site offline, every non-loopback request sent to the refusing proxy. */
export function offlineChromiumArgs(proxyPort: number): string[] {
  return [
    // Only ever opens our own site from loopback with every other host refused; as root there is no sandbox.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // Chromium's own background traffic is not the site's: keep it off.
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-default-apps",
    "--no-pings",
    "--disable-extensions",
    "--disable-component-extensions-with-background-pages",
    // Loopback is never proxied; everything else goes to the refusing proxy.
    `--proxy-server=http://127.0.0.1:${proxyPort}`,
  ];
}
