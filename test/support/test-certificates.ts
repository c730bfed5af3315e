import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM material for one mutual-TLS test setup. */
export interface TestCertificates {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** `clientKey` encrypted with `clientKeyPassphrase`. */
  clientKeyEncrypted: string;
  clientKeyPassphrase: string;
  /** A second client certificate (new key, same subject) from the same CA: the one a rollover brings. */
  renewedClientCert: string;
  renewedClientKey: string;
  /** A self-signed client certificate the CA never issued. */
  strangerCert: string;
  strangerKey: string;
}

/** Generates a CA, a server certificate for 127.0.0.1 and client certificates with the openssl CLI (P-256 keys: fast). */
export function generateTestCertificates(clientCommonName: string): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'ncc-mtls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    openssl(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=nestjs-client-credentials test CA',
    );
    writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
    /** A key and a certificate `name.crt` the CA issues for `subject`, with the openssl `x509` options `extra`. */
    const issue = (name: string, subject: string, ...extra: string[]) => {
      openssl('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '1',
        ...extra,
      );
    };
    issue('server', '/CN=127.0.0.1', '-extfile', 'server.ext');
    issue('client', `/CN=${clientCommonName}`);
    issue('renewed', `/CN=${clientCommonName}`);
    openssl('pkey', '-in', 'client.key', '-aes256', '-passout', 'pass:mtls-passphrase-42', '-out', 'client-encrypted.key');
    openssl('req', '-x509', ...newKey, '-keyout', 'stranger.key', '-out', 'stranger.crt', '-days', '1', '-subj', `/CN=${clientCommonName}`);
    const read = (name: string) => readFileSync(file(name), 'utf8');
    return {
      caCert: read('ca.crt'),
      serverCert: read('server.crt'),
      serverKey: read('server.key'),
      clientCert: read('client.crt'),
      clientKey: read('client.key'),
      renewedClientCert: read('renewed.crt'),
      renewedClientKey: read('renewed.key'),
      clientKeyEncrypted: read('client-encrypted.key'),
      clientKeyPassphrase: 'mtls-passphrase-42',
      strangerCert: read('stranger.crt'),
      strangerKey: read('stranger.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
