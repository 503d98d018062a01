/**
 * Certificates made by the test with the openssl CLI (installed in CI by
 * scripts/ci/install-openssl.sh), in a fresh temporary directory: a CA, leaf certificates it
 * signs for 127.0.0.1, and a second, unrelated CA. Nothing comes from the network.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Pem is a certificate and its key, as PEM text. */
export interface Pem {
  readonly cert: string;
  readonly key: string;
}

/** TestAuthority is a CA that issues leaf certificates for 127.0.0.1. */
export interface TestAuthority {
  /** The CA certificate (PEM): what `tls.ca` trusts. */
  readonly ca: string;
  /** issue makes a certificate for `name`, valid for serverAuth and clientAuth on 127.0.0.1 and localhost. */
  issue(name: string): Pem;
}

/** TestCertificates holds the temporary directory; `remove()` deletes it. */
export interface TestCertificates {
  authority(name: string): TestAuthority;
  remove(): void;
}

const openssl = (dir: string, args: readonly string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
};

/** createTestCertificates makes a temporary directory to issue certificates in. */
export function createTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'raftkit-tls-'));
  const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  let serial = 1000;
  return {
    authority(caName) {
      openssl(dir, ['req', '-x509', ...curve, '-keyout', `${caName}.key`, '-out', `${caName}.crt`, '-days', '2', '-subj', `/CN=${caName}`]);
      const ca = readFileSync(join(dir, `${caName}.crt`), 'utf8');
      return {
        ca,
        issue(name) {
          const base = `${caName}-${name}`;
          writeFileSync(join(dir, `${base}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n');
          openssl(dir, ['req', ...curve, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${name}`]);
          openssl(dir, ['x509', '-req', '-in', `${base}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-set_serial', String(serial++), '-days', '2', '-out', `${base}.crt`, '-extfile', `${base}.ext`]);
          return { cert: readFileSync(join(dir, `${base}.crt`), 'utf8'), key: readFileSync(join(dir, `${base}.key`), 'utf8') };
        },
      };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
