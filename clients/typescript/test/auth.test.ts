// Token auth and roles, and TLS with a self-signed certificate made here,
// against the real couponsd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, PermissionDeniedError, TlsError, UnauthenticatedError } from '../src/index.js';
import { startServer, tempDir, withLogs } from './server.js';

const ADMIN = 'admin-secret-0123';
const REDEEM = 'redeem-secret-0123';
const READ = 'read-secret-0123';

test('tokens: a wrong token is UNAUTHENTICATED; each role may do only its opcodes', async () => {
  const dir = tempDir('tokens');
  const tokenFile = path.join(dir, 'tokens');
  fs.writeFileSync(tokenFile, `admin:${ADMIN}\nredeem:${REDEEM}\nread:${READ}\n`);
  const server = await startServer(['--token-file', tokenFile]);
  try {
    await withLogs([server], async () => {
      await assert.rejects(Client.connect(server.addr, { token: 'not-a-token-at-all' }), (e) => e instanceof UnauthenticatedError && e.serverMessage === 'unknown token');
      // With tokens configured, loopback must present one too.
      await assert.rejects(Client.connect(server.addr), UnauthenticatedError);

      const admin = await Client.connect(server.addr, { token: ADMIN });
      const created = await admin.createCoupon({ code: 'TOKENS', discount_type: 'FIXED', discount_value: 100n, currency: 'USD', is_public: true });
      assert.equal(created.created_by, 'token:admin');

      const redeemer = await Client.connect(server.addr, { token: REDEEM });
      const reply = await redeemer.redeem({ code: 'TOKENS', order_id: 't-1', order: { customer_id: 'c', amount: 1000n, currency: 'USD' } });
      assert.equal(reply.redemption.discount_amount, 100n);
      await assert.rejects(redeemer.createCoupon({ code: 'NOPE', discount_type: 'FIXED', discount_value: 1n, currency: 'USD' }), PermissionDeniedError);

      const reader = await Client.connect(server.addr, { token: READ });
      assert.equal((await reader.getCoupon('TOKENS')).current_usage, 1n);
      await assert.rejects(reader.redeem({ code: 'TOKENS', order_id: 't-2', order: { customer_id: 'c', amount: 1000n, currency: 'USD' } }), PermissionDeniedError);
      // The connection stays open after PERMISSION_DENIED.
      assert.ok((await reader.ping()) > 0n);
      for (const c of [admin, redeemer, reader]) c.close();
    });
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('TLS: trusted self-signed certificate works; an untrusted one is a TlsError', async () => {
  const dir = tempDir('tls');
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
  const server = await startServer(['--tls-cert', cert, '--tls-key', key]);
  try {
    await withLogs([server], async () => {
      const ca = fs.readFileSync(cert);
      const client = await Client.connect(server.addr, { tls: { ca } });
      const created = await client.createCoupon({ code: 'TLS', discount_type: 'PERCENTAGE', discount_value: 1000n, currency: 'USD' });
      assert.equal(created.spec.code, 'TLS');
      assert.ok((await client.ping()) > 0n);
      client.close();
      // The name checked is the one asked for: localhost is in the certificate too.
      const byName = await Client.connect(`localhost:${server.port}`, { tls: { ca } });
      assert.equal((await byName.getCoupon('TLS')).spec.code, 'TLS');
      byName.close();
      // Without the CA the certificate is not trusted.
      await assert.rejects(Client.connect(server.addr, { tls: {} }), TlsError);
      // Plaintext from loopback is still accepted beside TLS.
      const plain = await Client.connect(server.addr);
      assert.ok((await plain.ping()) > 0n);
      plain.close();
    });
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs openssl with `args` in `dir`. */
const openssl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

/** A leaf certificate for `name` signed by the CA in `dir` (ca.pem, ca.key), with `extensions`. */
function issue(dir: string, name: string, extensions: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
}

test('mutual TLS: a client certificate the server maps to a role stands for a token', async () => {
  const dir = tempDir('mtls');
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=couponsd test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  issue(dir, 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  issue(dir, 'checkout', 'subjectAltName=DNS:checkout\nextendedKeyUsage=clientAuth\n');
  fs.writeFileSync(path.join(dir, 'tokens'), `admin:${ADMIN}\n`);
  const file = (name: string) => path.join(dir, name);
  const server = await startServer([
    '--tls-cert', file('localhost.pem'), '--tls-key', file('localhost.key'), '--tls-ca', file('ca.pem'),
    '--client-cert-role', 'redeem:checkout', '--token-file', file('tokens'),
  ]);
  try {
    await withLogs([server], async () => {
      const ca = fs.readFileSync(file('ca.pem'));
      const admin = await Client.connect(server.addr, { token: ADMIN, tls: { ca } });
      await admin.createCoupon({ code: 'CERT10', discount_type: 'PERCENTAGE', discount_value: 1000n, currency: 'USD', is_public: true });
      const checkout = await Client.connect(server.addr, { tls: { ca, cert: fs.readFileSync(file('checkout.pem')), key: fs.readFileSync(file('checkout.key')) } });
      const reply = await checkout.redeem({ code: 'CERT10', order_id: 'm-1', order: { customer_id: 'alice', amount: 10000n, currency: 'USD' } });
      assert.equal(reply.redemption.discount_amount, 1000n);
      await assert.rejects(checkout.createCoupon({ code: 'NOPE', discount_type: 'FIXED', discount_value: 1n, currency: 'USD' }), PermissionDeniedError);
      // Without a certificate or a token: refused.
      await assert.rejects(Client.connect(server.addr, { tls: { ca } }), UnauthenticatedError);
      for (const c of [admin, checkout]) c.close();
    });
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
