/**
 * Certificates made by the test with the openssl CLI: the same helper the transport's own TLS
 * tests use (one copy, in @raftkit/transport-ws's test support; tests are not shipped).
 */
export { createTestCertificates, type Pem, type TestCertificates } from '../../../../packages/transport-ws/src/test-support/certificates.js';
