import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTimestampToken } from '../../main/signatures/rfc3161.ts';
import { EKU, makeCertificate, opensslTimestamp } from '../support/certificate-factory.ts';

const signed = Buffer.from('the signature being timestamped');

function authority(rootOverrides = {}, leafOverrides = {}) {
  const root = makeCertificate({ commonName: 'TSA Root', ...rootOverrides });
  const leaf = makeCertificate({ commonName: 'TSA', issuer: root, ca: false, eku: [EKU.timeStamping], ekuCritical: true, ...leafOverrides });
  return { root, leaf };
}

test('RFC 3161: a token over these bytes from a time-stamping certificate that chains to the TSA store is authentic', () => {
  const tsa = authority();
  const check = checkTimestampToken(opensslTimestamp(signed, tsa.leaf, [tsa.root]), signed, [tsa.root.cert]);
  assert.equal(check.authentic, true, check.reason);
  assert.ok(check.time && Math.abs(check.time.getTime() - Date.now()) < 60_000);
  assert.match(checkTimestampToken(opensslTimestamp(signed, tsa.leaf, [tsa.root]), Buffer.from('other bytes'), [tsa.root.cert]).reason, /message imprint does not match/);
});

test('RFC 3161: the TSA chain is path-validated at the stamped time (CA issuer, validity, trusted anchor)', () => {
  const tsa = authority();
  const token = opensslTimestamp(signed, tsa.leaf, [tsa.root]);
  assert.match(checkTimestampToken(token, signed, [authority().root.cert]).reason, /not trusted at the stamped time/);
  const notCa = authority({ ca: false, keyUsage: ['keyCertSign'] });
  assert.match(checkTimestampToken(opensslTimestamp(signed, notCa.leaf, [notCa.root]), signed, [notCa.root.cert]).reason, /"O=Signet Test, CN=TSA Root" issues a certificate but is not a CA/);
  const early = new Date(Date.now() - 30 * 86_400_000);
  const lapsedRoot = authority({ notBefore: early, notAfter: new Date(Date.now() - 86_400_000) });
  assert.match(checkTimestampToken(opensslTimestamp(signed, lapsedRoot.leaf, [lapsedRoot.root]), signed, [lapsedRoot.root.cert]).reason, /trust anchor "O=Signet Test, CN=TSA Root" was expired at/);
});

test('RFC 3161: a TSA root without keyUsage is accepted in general and refused under the Notary Project rule; a trusted TSA leaf may anchor itself', () => {
  const bare = authority({ keyUsage: null });
  const token = opensslTimestamp(signed, bare.leaf, [bare.root]);
  assert.equal(checkTimestampToken(token, signed, [bare.root.cert]).authentic, true);
  assert.match(checkTimestampToken(token, signed, [bare.root.cert], { requireCaKeyUsage: true }).reason, /has no keyUsage extension, which the Notary Project requires/);
  assert.equal(checkTimestampToken(token, signed, [bare.leaf.cert]).authentic, true);
  assert.match(checkTimestampToken(token, signed, []).reason, /No timestamp authority is trusted/);
});
