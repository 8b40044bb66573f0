// A stand-in web site for the link-preview tests: a page with OpenGraph tags
// and its image, on 127.0.0.1 (the Parlor under test is allowed to read it with
// --link-previews-test-allow; nothing leaves this machine). The image is a PNG
// made here, so no binary file is kept in the repository.
import { createServer } from 'node:http';
import { deflateSync } from 'node:zlib';

const port = Number(process.env.PARLOR_E2E_SITE_PORT ?? 3198);

function crc32(bytes) {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A `width`×`height` RGB gradient as a PNG. */
function png(width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set([(x * 2) % 256, (y * 3) % 256, 160], 1 + x * 3);
    rows.push(row);
  }
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

const picture = png(320, 200);
const article = `<!doctype html><html><head><title>Plain title</title>
<meta property="og:title" content="The teapot handbook">
<meta property="og:description" content="Everything about brewing, in one place.">
<meta property="og:site_name" content="Brew Notes">
<meta property="og:image" content="/teapot.png"></head><body><h1>The teapot handbook</h1></body></html>`;

createServer((request, response) => {
  const path = new URL(request.url, 'http://site').pathname;
  if (path === '/healthz') return response.end('ok');
  if (path.startsWith('/article')) {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    return response.end(article);
  }
  if (path === '/teapot.png') {
    response.writeHead(200, { 'Content-Type': 'image/png' });
    return response.end(picture);
  }
  response.writeHead(404, { 'Content-Type': 'text/plain' });
  response.end('not found');
}).listen(port, '127.0.0.1');
