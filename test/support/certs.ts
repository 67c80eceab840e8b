// Self-signed certificates made by Debian's openssl for each run, in a temporary folder.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Certificate {
  key: string;
  cert: string;
  /** SHA-256 fingerprint, as `openssl x509 -fingerprint -sha256` and Node print it. */
  fingerprint256: string;
}

export function selfSigned(commonName: string, altNames = 'DNS:localhost,IP:127.0.0.1'): Certificate {
  const dir = mkdtempSync(path.join(tmpdir(), 'deepfence-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${altNames}`,
    ], { stdio: 'ignore' });
    const cert = readFileSync(certFile, 'utf8');
    return { key: readFileSync(keyFile, 'utf8'), cert, fingerprint256: new X509Certificate(cert).fingerprint256 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
