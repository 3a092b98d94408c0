import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MeetingsApi } from '../../../local/console/meetingsApi';

/** A server that resets the first `resets` connections before answering, as a closed keep-alive socket does. */
async function flakyServer(resets: number): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  let left = resets;
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (left-- > 0) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items: [], nextToken: null }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe('the console’s meetings API client', () => {
  test('a GET whose connection is reset is sent once more', async () => {
    const { server, url, requests } = await flakyServer(1);
    try {
      await expect(new MeetingsApi(url).list({})).resolves.toMatchObject({ items: [] });
      expect(requests).toEqual(['GET /meetings?limit=50', 'GET /meetings?limit=50']);
    } finally {
      server.close();
    }
  });

  test('a GET reset twice fails, and a reset DELETE is never sent again', async () => {
    const { server, url, requests } = await flakyServer(3);
    try {
      await expect(new MeetingsApi(url).list({})).rejects.toThrow('fetch failed');
      await expect(new MeetingsApi(url).cancel('m-1')).rejects.toThrow('fetch failed');
      expect(requests).toEqual(['GET /meetings?limit=50', 'GET /meetings?limit=50', 'DELETE /meetings/m-1']);
    } finally {
      server.close();
    }
  });
});
